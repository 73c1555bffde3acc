import { describe, expect, it } from 'vitest';
import { DEFAULT_FAN_OUT_CONCURRENCY, readConfig } from '../../../lambda/config.js';
import { managementClientSettings } from '../../../lambda/delivery/management-client-settings.js';

describe('fan-out concurrency', () => {
  it('defaults to 100 posts in flight, with sockets for all of them and the invocation’s other posts', () => {
    expect(readConfig({ TABLE_NAME: 't' }).fanOutConcurrency).toBe(DEFAULT_FAN_OUT_CONCURRENCY);
    expect(DEFAULT_FAN_OUT_CONCURRENCY).toBe(100);
    expect(managementClientSettings({}).maxSockets).toBe(125);
  });

  it('follows FAN_OUT_CONCURRENCY, sockets included', () => {
    expect(readConfig({ TABLE_NAME: 't', FAN_OUT_CONCURRENCY: '40' }).fanOutConcurrency).toBe(40);
    const { fanOutConcurrency } = readConfig({ TABLE_NAME: 't', FAN_OUT_CONCURRENCY: '40' });
    expect(managementClientSettings({}, undefined, fanOutConcurrency).maxSockets).toBe(65);
    expect(managementClientSettings({ POST_TIMEOUT_MS: '500' }, undefined, fanOutConcurrency)).toMatchObject({ maxSockets: 65, postTimeoutMs: 500 });
  });

  it.each(['0', '-3', '2.5', 'many'])('refuses FAN_OUT_CONCURRENCY=%s', (value) => {
    expect(() => readConfig({ TABLE_NAME: 't', FAN_OUT_CONCURRENCY: value })).toThrow(/FAN_OUT_CONCURRENCY must be a whole number ≥ 1/);
  });
});
