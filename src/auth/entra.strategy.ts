import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { IncomingHttpHeaders } from 'node:http';
import { Strategy } from 'passport-custom';
import { UnauthenticatedError } from '../errors/domain-errors';
import type { Principal } from './principal';
import { TokenAuthenticator } from './token.authenticator';

export const ENTRA_STRATEGY = 'entra';

/** RFC 6750 `b64token`, case-insensitive scheme, exactly one space, nothing after. */
const BEARER_HEADER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/** Reads the bearer token from the Authorization header only; query strings and bodies are never consulted. */
export function extractBearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization.length === 0) {
    throw new UnauthenticatedError('A bearer access token is required in the Authorization header', 'missing_token');
  }
  const token = BEARER_HEADER.exec(authorization)?.[1];
  if (token === undefined) {
    throw new UnauthenticatedError('The Authorization header must be "Bearer <access token>"', 'malformed_header');
  }
  return token;
}

/** Passport strategy `entra`: Authorization header → TokenAuthenticator (claims cache, verifier, revocations) → request.user. */
@Injectable()
export class EntraStrategy extends PassportStrategy(Strategy, ENTRA_STRATEGY) {
  constructor(private readonly authenticator: TokenAuthenticator) {
    super();
  }

  async validate(request: { headers: IncomingHttpHeaders }): Promise<Principal> {
    return this.authenticator.authenticate(extractBearerToken(request.headers.authorization));
  }
}
