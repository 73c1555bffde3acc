/**
 * The shape of every log line, as a Powertools formatter: the line the
 * runtime has always written (`level` in lower case, `time`, `message`, then
 * the structured fields at the top level), plus what Powertools knows that
 * helps on AWS (service, X-Ray trace id, Lambda request id and cold start).
 * Saved Logs Insights queries and tests read these names: keep them.
 */
import { LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

export class ProtooLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, fields: LogAttributes): LogItem {
    return new LogItem({
      attributes: {
        level: attributes.logLevel.toLowerCase(),
        time: this.formatTimestamp(attributes.timestamp),
        message: attributes.message,
        service: attributes.serviceName,
        xray_trace_id: attributes.xRayTraceId,
        function_request_id: attributes.lambdaContext?.awsRequestId,
        cold_start: attributes.lambdaContext?.coldStart,
      },
    }).addAttributes(fields);
  }
}
