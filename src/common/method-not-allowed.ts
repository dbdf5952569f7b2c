import type { FastifyInstance, HTTPMethods } from 'fastify';
import FindMyWay from 'find-my-way';

type Method = Extract<HTTPMethods, 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'>;
const METHODS: Method[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** The methods a path has routes for; none for a path the service does not know. */
export type AllowedMethods = (path: string) => string[];

/**
 * Keeps a copy of the service's routes in Fastify's own router (find-my-way), so that an answer for a path with no
 * route for its method can say which methods the path has (405 and `Allow`, RFC 9110) instead of a bare 404. Costs
 * nothing per request: only a request Fastify found no route for is looked up. Call before routes are registered.
 */
export function routeMethods(fastify: FastifyInstance): AllowedMethods {
  const routes = FindMyWay();
  const noop = (): void => undefined;
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (METHODS.includes(method as Method) && !routes.hasRoute(method as Method, route.url)) {
        routes.on(method as Method, route.url, noop);
      }
    }
  });
  return (path) => METHODS.filter((method) => routes.find(method, path) !== null);
}
