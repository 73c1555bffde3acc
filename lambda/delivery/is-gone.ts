/**
 * The Management API's way of saying "that connection is dead": the SDK
 * names the error GoneException, and some paths only carry the 410 status.
 */
export function isGoneError(error: unknown): boolean {
  const candidate = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return candidate?.name === 'GoneException' || candidate?.$metadata?.httpStatusCode === 410;
}
