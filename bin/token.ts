/**
 * `npm run token -- --room R --peer P [--ttl 1h] [--stack <name>] [--secret <value>]`
 * prints a ready protoo-client URL with a signed join token (see bin/token-cli.ts).
 * Exit codes: 0 printed, 1 AWS or signing failed, 2 bad arguments.
 */
import { defaultClients, mintJoinUrl, parseTokenArgs, TOKEN_USAGE, TokenUsageError } from './token-cli.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${TOKEN_USAGE}\n`);
    return;
  }
  const options = parseTokenArgs(argv);
  const { token, url } = await mintJoinUrl(options, () => defaultClients(options.region));
  process.stdout.write(`${options.tokenOnly || !url ? token : url}\n`);
}

main().catch((error) => {
  if (error instanceof TokenUsageError) {
    process.stderr.write(`${error.message}\n${TOKEN_USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
