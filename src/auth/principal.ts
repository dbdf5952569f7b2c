/** The verified caller behind a request: what guards, controllers and the audit trail see. */
export interface Principal {
  /** `sub`: pairwise per application for users; the service principal's object id for apps. */
  subject: string;
  /** `oid`: the user's or service principal's object id in its tenant. */
  objectId: string;
  /** `tid`: the tenant the caller signed in to; documents belong to it. */
  tenantId: string;
  /** `name` (or `preferred_username`) of a signed-in user; absent for apps. */
  name?: string;
  /** App roles from the `roles` claim, as issued. */
  roles: string[];
  /** Delegated scopes from the `scp` claim, as issued. */
  scopes: string[];
  /** True for a client-credentials token (`idtyp` app, or no `scp`). */
  appOnly: boolean;
  /** The service's own permissions, mapped from roles and scopes through configuration. */
  permissions: string[];
  /** `iat` in seconds since the epoch; session revocation compares against it. */
  issuedAt: number;
}
