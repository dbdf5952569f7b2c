import type {
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  ServiceInputTypes,
  ServiceOutputTypes,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { formatUrl } from '@aws-sdk/core/util';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { extendedEncodeURIComponent, HttpRequest } from '@smithy/core/protocols';
import { KeyCachingSha256 } from './storage.hash';
import type { EndpointParameterInstructions, FinalizeRequestMiddleware, HandlerExecutionContext } from '@smithy/types';

/** The S3 commands presigned here: their inputs are strings and numbers the SDK writes verbatim into the request. */
export type PresignableCommand = PutObjectCommand | GetObjectCommand | UploadPartCommand;

export interface PresignOptions {
  /** Seconds the URL is valid. */
  expiresIn: number;
  /** The signing time (X-Amz-Date). */
  signingDate: Date;
  /** Headers signed even though SigV4 would leave them out (content-type). */
  signableHeaders?: ReadonlySet<string>;
  /** x-amz-* headers kept as headers instead of being hoisted into the query. */
  unhoistableHeaders?: ReadonlySet<string>;
}

type Slot = { field: string; location: 'header' | 'query'; name: string } | { field: string; location: 'path' };

interface PreparedRequest {
  request: HttpRequest;
  presigner: S3RequestPresigner;
  signingRegion?: string;
  signingService?: string;
  slots: Slot[];
  /** The path around the Key placeholder (the whole path in `pathBefore` when the command has no Key). */
  pathBefore: string;
  pathAfter: string;
}

type CommandClass = (new (input: object) => PresignableCommand) & EndpointParameterInstructionsSupplier;
interface EndpointParameterInstructionsSupplier {
  getEndpointParameterInstructions(): EndpointParameterInstructions;
}

const PLACEHOLDER_NUMBER_BASE = 7_000_000_000;
const PER_CALL_HEADERS = new Set(['amz-sdk-invocation-id', 'amz-sdk-request', 'x-amz-user-agent']);

/**
 * Presigns through the SDK's own `S3RequestPresigner`, like `getSignedUrl`, but on a request prepared once per
 * command shape (operation, bucket, which fields are set): the SDK serializes a command whose fields hold
 * placeholders, the placeholders show where each field lands (path, header or query), and each call copies that
 * request with its own values and signs it. The middleware stack and endpoint rules run once per shape instead
 * of once per URL; a spec proves the URLs byte-identical to `getSignedUrl`'s.
 */
export class PreparedPresigner {
  /** By command shape: the preparation while it runs, then the prepared request itself (read without awaiting). */
  private readonly prepared = new Map<string, PreparedRequest | Promise<PreparedRequest>>();

  constructor(private readonly client: S3Client) {}

  /** The presigned URL of `command`, as `getSignedUrl(client, command, options)` would build it. */
  async presign(command: PresignableCommand, options: PresignOptions): Promise<string> {
    const input = command.input as unknown as Record<string, unknown>;
    const Command = command.constructor as CommandClass;
    const shape = shapeOf(Command, input);
    const entry = this.prepared.get(shape) ?? this.startPreparing(shape, Command, input);
    const prepared = entry instanceof Promise ? await entry : entry;
    const base = prepared.request;
    const headers = { ...base.headers };
    const query = { ...(base.query as Record<string, string>) };
    let path = prepared.pathBefore;
    for (const slot of prepared.slots) {
      const value = String(input[slot.field]);
      if (slot.location === 'header') headers[slot.name] = value;
      else if (slot.location === 'query') query[slot.name] = value;
      else path += encodeGreedyLabel(value) + prepared.pathAfter;
    }
    const request = new HttpRequest({
      method: base.method,
      protocol: base.protocol,
      hostname: base.hostname,
      port: base.port,
      path,
      query,
      headers,
    });
    const signed = await prepared.presigner.presign(request, {
      expiresIn: options.expiresIn,
      signingDate: options.signingDate,
      signingRegion: prepared.signingRegion,
      signingService: prepared.signingService,
      // The SDK only reads signableHeaders, but adds the SSE headers to unhoistableHeaders: each call gets its own.
      signableHeaders: options.signableHeaders as Set<string> | undefined,
      unhoistableHeaders: new Set(options.unhoistableHeaders),
    });
    return formatUrl(signed);
  }

  private startPreparing(shape: string, Command: CommandClass, input: Record<string, unknown>) {
    const preparing = this.prepare(Command, input);
    this.prepared.set(shape, preparing);
    preparing.then(
      (request) => this.prepared.set(shape, request),
      // A failed preparation (e.g. credentials not resolvable yet) is retried on the next call.
      () => this.prepared.delete(shape),
    );
    return preparing;
  }

  /** Runs the SDK's middleware stack once on placeholders, stopping before signing as `getSignedUrl` does. */
  private async prepare(Command: CommandClass, input: Record<string, unknown>): Promise<PreparedRequest> {
    const fields = setFields(input);
    const placeholders = new Map<string, string>();
    const placeholderInput: Record<string, unknown> = { Bucket: input.Bucket };
    fields.forEach((field, index) => {
      const value = input[field];
      if (typeof value === 'number') {
        placeholderInput[field] = PLACEHOLDER_NUMBER_BASE + index;
      } else if (typeof value === 'string') {
        placeholderInput[field] = `navius${index}placeholder`;
      } else {
        throw new Error(`PreparedPresigner cannot presign ${Command.name}.${field} (${typeof value})`);
      }
      placeholders.set(field, String(placeholderInput[field]));
    });
    const command = new Command(placeholderInput);
    const { request, context } = await this.serialize(command);
    const endpoint = await getEndpointFromInstructions(command.input, Command, this.client.config);
    const authScheme = endpoint.properties?.authSchemes?.[0] as
      { name?: string; signingRegion?: string; signingRegionSet?: string[]; signingName?: string } | undefined;
    const region = authScheme?.name === 'sigv4a' ? authScheme.signingRegionSet?.join(',') : authScheme?.signingRegion;
    const presigner = new S3RequestPresigner({
      ...this.client.config,
      sha256: KeyCachingSha256,
      signingName: authScheme?.signingName,
      region: async () => region as string,
    });
    const slots = fields.map((field) => locate(request, field, placeholders.get(field) as string, Command.name));
    return {
      request,
      presigner,
      signingRegion: (context['signing_region'] as string | undefined) ?? region,
      signingService: context['signing_service'] as string | undefined,
      slots,
      ...splitPath(request.path, placeholders.get('Key')),
    };
  }

  private async serialize(
    command: PresignableCommand,
  ): Promise<{ request: HttpRequest; context: HandlerExecutionContext }> {
    let captured: { request: HttpRequest; context: HandlerExecutionContext } | undefined;
    const capture: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> =
      (_next, context) => async (args) => {
        if (!HttpRequest.isInstance(args.request))
          throw new Error('The S3 command did not serialize to an HTTP request');
        const request = HttpRequest.clone(args.request);
        // Without the same request-specific headers getSignedUrl drops. Copied rather than deleted from: an object
        // that lost properties turns into a slow dictionary, and every URL copies and reads these headers.
        request.headers = Object.fromEntries(
          Object.entries(request.headers).filter(([name]) => !PER_CALL_HEADERS.has(name)),
        );
        captured = { request, context };
        // `presigned` tells the metrics middleware that nothing was sent.
        return { response: {}, output: { $metadata: {}, presigned: true } as unknown as ServiceOutputTypes };
      };
    const stack = this.client.middlewareStack.clone();
    stack.addRelativeTo(capture, {
      name: 'presignInterceptMiddleware',
      relation: 'before',
      toMiddleware: 'awsAuthMiddleware',
      override: true,
    });
    const handler = command.resolveMiddleware(stack, this.client.config, {});
    await handler({ input: command.input } as never);
    if (!captured) throw new Error('The S3 middleware stack never reached signing');
    return captured;
  }
}

/** The fields a command sets besides its Bucket, in the input's own order. */
function setFields(input: Record<string, unknown>): string[] {
  const fields: string[] = [];
  for (const field in input) if (field !== 'Bucket' && input[field] !== undefined) fields.push(field);
  return fields;
}

/** Commands of one class, bucket and set fields serialize alike: one prepared request each. */
function shapeOf(Command: CommandClass, input: Record<string, unknown>): string {
  return `${Command.name}|${String(input.Bucket)}|${setFields(input).join(',')}`;
}

function splitPath(path: string, keyPlaceholder: string | undefined): { pathBefore: string; pathAfter: string } {
  const at = keyPlaceholder === undefined ? -1 : path.indexOf(keyPlaceholder);
  if (at < 0) return { pathBefore: path, pathAfter: '' };
  return { pathBefore: path.slice(0, at), pathAfter: path.slice(at + (keyPlaceholder as string).length) };
}

// Characters that URI encoding leaves as they are, and the slash a greedy label keeps.
const UNRESERVED_PATH = /^[A-Za-z0-9\-._~/]*$/;

/** A greedy `{Key+}` label: each path segment encoded alone, the slashes kept (the SDK's serializer rule). */
function encodeGreedyLabel(value: string): string {
  // The server's own keys (tenants/<tid>/documents/<id>) need no encoding.
  if (UNRESERVED_PATH.test(value)) return value;
  return value.split('/').map(extendedEncodeURIComponent).join('/');
}

function locate(request: HttpRequest, field: string, placeholder: string, operation: string): Slot {
  if (field === 'Key' && request.path.includes(placeholder)) return { field, location: 'path' };
  const header = Object.entries(request.headers).find(([, value]) => value === placeholder)?.[0];
  if (header !== undefined) return { field, location: 'header', name: header };
  const query = Object.entries(request.query).find(([, value]) => value === placeholder)?.[0];
  if (query !== undefined) return { field, location: 'query', name: query };
  throw new Error(`PreparedPresigner cannot find where ${operation}.${field} is serialized`);
}
