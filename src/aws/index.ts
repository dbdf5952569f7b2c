export * from './aws.circuit-breaker';
export * from './aws.client-factory';
export * from './aws.credentials';
export * from './aws.errors';
export * from './aws.health';
export * from './aws.module';
export {
  AWS_MODULE_OPTIONS,
  type AwsAssumeRoleOptions,
  type AwsCircuitBreakerOptions,
  type AwsCredentialsOptions,
  type AwsFailoverTarget,
  type AwsModuleOptions,
  type AwsService,
  type AwsStaticCredentials,
} from './aws.module-definition';
export * from './aws.pricing';
export * from './aws.settings';
export * from './aws.tenant.hook';
export * from './aws.usage';
