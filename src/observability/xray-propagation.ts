import {
  trace,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';

const XRAY_HEADER = 'x-amzn-trace-id';
const ROOT = /(?:^|;)\s*Root=1-([0-9a-f]{8})-([0-9a-f]{24})\s*(?:;|$)/i;

/**
 * The trace id of an X-Ray header without `Parent`, waiting for the span the instrumentation starts right after
 * extracting (synchronously, in the same tick). Cleared at the end of the tick so it can never leak to another span.
 */
let pendingRootTraceId: string | undefined;

function parkRootTraceId(traceId: string): void {
  pendingRootTraceId = traceId;
  queueMicrotask(() => {
    pendingRootTraceId = undefined;
  });
}

/**
 * X-Ray propagation that also continues a trace when the header carries only `Root=` (what an ALB sends):
 * the upstream propagator drops such a trace, so the root trace id is parked instead and the span started next
 * (the HTTP server span) takes it as its own trace id: the first segment of that trace.
 */
export class XRayRootContinuingPropagator implements TextMapPropagator {
  private readonly xray = new AWSXRayPropagator();

  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    this.xray.inject(ctx, carrier, setter);
  }

  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    const extracted = this.xray.extract(ctx, carrier, getter);
    if (trace.getSpanContext(extracted)) return extracted;
    const header = getter.get(carrier, XRAY_HEADER);
    const value = Array.isArray(header) ? header[0] : header;
    const root = value ? ROOT.exec(value) : null;
    if (root) parkRootTraceId(`${root[1]}${root[2]}`.toLowerCase());
    return extracted;
  }

  fields(): string[] {
    return this.xray.fields();
  }
}

/** X-Ray trace ids (epoch seconds first), or the trace id a `Root=`-only header just parked. */
export class XRayContinuingIdGenerator extends AWSXRayIdGenerator {
  override generateTraceId(): string {
    const pending = pendingRootTraceId;
    pendingRootTraceId = undefined;
    return pending ?? super.generateTraceId();
  }
}

/** `1-5759e988-bd862e3fe1be46a994272793`: the X-Ray form of a W3C trace id, as CloudWatch Logs and X-Ray link it. */
export function toXRayTraceId(traceId: string): string {
  return `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`;
}
