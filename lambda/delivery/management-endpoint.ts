/**
 * Where the Management API (@connections) of the API that invoked us lives.
 * Built from the event so custom domains and stages just work; a configured
 * endpoint wins (a custom domain whose mapping differs from the stage).
 * Loopback hosts mean the local stack, which speaks plain http.
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
