// Pure transformations of the blue/green deployment: the next task definition and the CodeDeploy revision.
import { createHash } from 'node:crypto';

/** The container of the task definition that runs the service (appspec.yaml's ContainerName). */
export const CONTAINER_NAME = 'navius';

/** Members DescribeTaskDefinition returns that RegisterTaskDefinition refuses. */
const READ_ONLY_MEMBERS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
];

/**
 * The RegisterTaskDefinition input for the next revision: the current one with the service container's image
 * replaced by an immutable `repository@sha256:` reference; the sidecars (ADOT collector) stay as they are.
 * @param {{ taskDefinition: Record<string, unknown>, tags?: Array<{ key?: string, value?: string }> }} described
 * @param {string} image
 * @param {string} [containerName]
 */
export function renderTaskDefinition(described, image, containerName = CONTAINER_NAME) {
  if (!/^[\w.-]+(:\d+)?(\/[\w./-]+)+@sha256:[0-9a-f]{64}$/.test(image)) {
    throw new Error(`image must be pinned by digest (repository@sha256:<64 hex>), got ${image}`);
  }
  const next = structuredClone(described.taskDefinition);
  for (const member of READ_ONLY_MEMBERS) delete next[member];
  const containers = /** @type {Array<{ name?: string, image?: string }>} */ (next.containerDefinitions ?? []);
  const service = containers.find((container) => container.name === containerName);
  if (!service) throw new Error(`task definition has no container named ${containerName}`);
  service.image = image;
  if (described.tags?.length) next.tags = described.tags;
  return next;
}

/**
 * The CodeDeploy revision (AppSpecContent) for a task definition, from the appspec.yaml template.
 * @param {string} template
 * @param {{ taskDefinitionArn: string, afterAllowTestTrafficHook: string }} values
 */
export function renderRevision(template, values) {
  const substitutions = {
    TASK_DEFINITION_ARN: values.taskDefinitionArn,
    AFTER_ALLOW_TEST_TRAFFIC_HOOK: values.afterAllowTestTrafficHook,
  };
  const content = template.replace(/\$\{([A-Z_]+)\}/g, (placeholder, name) => {
    const value = substitutions[/** @type {keyof typeof substitutions} */ (name)];
    if (!value) throw new Error(`no value for ${placeholder}`);
    return value;
  });
  const sha256 = createHash('sha256').update(content).digest('hex');
  return { revisionType: 'AppSpecContent', appSpecContent: { content, sha256 } };
}
