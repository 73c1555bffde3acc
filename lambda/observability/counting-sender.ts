/**
 * Counts what happens to every post (sent, Gone, failed) for the metrics,
 * around any MessageSender; failures still throw as before.
 */
import type { MessageSender } from '../runtime/ports.js';
import { runtimeMetrics, type RuntimeMetrics } from './metrics.js';

export function countingSender(sender: MessageSender, metrics: RuntimeMetrics = runtimeMetrics()): MessageSender {
  return {
    async post(connectionId, message) {
      try {
        const result = await sender.post(connectionId, message);
        metrics.posted(result);
        return result;
      } catch (error) {
        metrics.posted('failed');
        throw error;
      }
    },
    close: (connectionId) => sender.close(connectionId),
  };
}
