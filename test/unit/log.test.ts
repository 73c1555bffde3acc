import { afterEach, describe, expect, it, vi } from 'vitest';

import { readConfig } from '../../lambda/config.js';
import { createLogger, parseLogLevel } from '../../lambda/log.js';

const FIELDS = { route: '$default', connectionId: 'c1', roomId: 'r1', peerId: 'alice', method: 'join', outcome: 'answered', durationMs: 12, errorId: 'e1' };

describe('the runtime logger (Powertools Logger)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes one JSON line with the structured fields at the top level', () => {
    const lines: string[] = [];
    createLogger('info', (line) => lines.push(line)).info('message', FIELDS);
    expect(lines).toHaveLength(1);
    const logged = JSON.parse(lines[0]);
    expect(logged).toMatchObject({ level: 'info', message: 'message', service: 'protoo', ...FIELDS });
    expect(Date.parse(logged.time)).not.toBeNaN();
  });

  it('drops lines below its level, and everything when silent', () => {
    const lines: string[] = [];
    const log = createLogger('warn', (line) => lines.push(line));
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    createLogger('silent', (line) => lines.push(line)).error('never');
    expect(lines.map((line) => JSON.parse(line).level)).toEqual(['warn', 'error']);
  });

  it('honours LOG_LEVEL, in either case', () => {
    expect(parseLogLevel('debug')).toBe('debug');
    expect(parseLogLevel('WARN')).toBe('warn');
    expect(parseLogLevel('verbose')).toBe('info');
    expect(parseLogLevel(undefined)).toBe('info');
    expect(readConfig({ TABLE_NAME: 't', LOG_LEVEL: 'error' }).logLevel).toBe('error');
  });

  it('prints to stdout, and warnings and errors to stderr, without a writer', () => {
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const log = createLogger('debug');
    log.info('to stdout', { route: '$connect' });
    log.error('to stderr', { outcome: 'failed' });
    const out = stdout.mock.calls.map(([chunk]) => String(chunk)).filter((c) => c.includes('to stdout'));
    const err = stderr.mock.calls.map(([chunk]) => String(chunk)).filter((c) => c.includes('to stderr'));
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0])).toMatchObject({ level: 'info', message: 'to stdout', route: '$connect' });
    expect(err).toHaveLength(1);
    expect(JSON.parse(err[0])).toMatchObject({ level: 'error', outcome: 'failed' });
  });
});
