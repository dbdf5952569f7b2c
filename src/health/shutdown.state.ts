import { Injectable } from '@nestjs/common';

/** Set on SIGTERM: readiness turns 503 at once while in-flight requests finish. */
@Injectable()
export class ShutdownState {
  private drainingSince?: number;

  beginDrain(): void {
    this.drainingSince ??= Date.now();
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }
}
