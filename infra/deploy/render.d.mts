export declare const CONTAINER_NAME: string;
export declare function renderTaskDefinition(
  described: { taskDefinition: Record<string, unknown>; tags?: Array<{ key?: string; value?: string }> },
  image: string,
  containerName?: string,
): Record<string, unknown>;
export declare function renderRevision(
  template: string,
  values: { taskDefinitionArn: string; afterAllowTestTrafficHook: string },
): { revisionType: 'AppSpecContent'; appSpecContent: { content: string; sha256: string } };
