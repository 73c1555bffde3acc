/**
 * Where the Management API (@connections) of the API that invoked us lives.
 * A configured endpoint (MANAGEMENT_API_ENDPOINT) wins, and on AWS there
 * always is one: the CDK construct sets it to the stage's own callback URL
 * (https://{apiId}.execute-api.{region}.amazonaws.com/{stage}), never a
 * custom domain, so posts work before the domain's DNS does and whichever
 * URL the client connected through. Without it (the local stack, tests,
 * other deployments) it is built from the event's domain and stage: right
 * for the execute-api URL, not for a client that came through a custom
 * domain (hence the construct's setting). Loopback hosts mean the local
 * stack, which speaks plain http.
 */
export function managementEndpoint(
  requestContext: { domainName?: string; stage?: string },
  configuredEndpoint: string | undefined,
): string {
  if (configuredEndpoint) return configuredEndpoint.replace(/\/+$/, '');
  const { domainName, stage } = requestContext;
  if (!domainName) throw new Error('event has no requestContext.domainName and MANAGEMENT_API_ENDPOINT is not set');
  const scheme = isLoopback(domainName) ? 'http' : 'https';
  return stage && stage !== '$default' ? `${scheme}://${domainName}/${stage}` : `${scheme}://${domainName}`;
}

/** `localhost`, `[::1]` or `127.x.x.x`, with or without a port: the local stack. */
export function isLoopback(domainName: string): boolean {
  const host = domainName.startsWith('[') ? domainName.slice(0, domainName.indexOf(']') + 1) : domainName.split(':')[0];
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}
