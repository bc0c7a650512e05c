// Forwards the ElastiCache failover and node-replacement events of the
// OpenCTI replication group to the alarm topic.
//
// ElastiCache reports node-based cluster events only to the SNS topic set as
// the replication group's NotificationTopicArn, which "cannot be encrypted"
// (ElastiCache User Guide, "Event Notifications and Amazon SNS"); node-based
// cluster events are not published to Amazon EventBridge. The alarm topic is
// KMS-encrypted, so this function, subscribed to the group's plain topic,
// republishes the events an operator must hear about (FORWARDED, names from
// the same page) to the alarm topic and drops the rest (snapshots, parameter
// changes, scaling). An ElastiCache notification's Message is a JSON object
// whose key is the event name and whose value the source
// ({"ElastiCache:FailoverComplete": "opencti-cache-002"}); a message that is
// not JSON is searched for the event names as text.
'use strict';
const { SNSClient, PublishCommand } = require('@aws-sdk/client-sns');

const sns = new SNSClient({});

// FORWARDED maps each forwarded event to what it means for OpenCTI.
const FORWARDED = {
  'ElastiCache:FailoverComplete': 'a replica was promoted to primary: OpenCTI connections to Redis reset once; check that every tier is Ready (runbook "Redis (ElastiCache) failover")',
  'ElastiCache:CacheNodeReplaceComplete': 'ElastiCache replaced a degraded node: it resyncs from the primary; a replaced single node (dev) lost its data - restart the platforms',
  'ElastiCache:NodeReplacementScheduled': 'a node will be replaced in the maintenance window: expect a failover then, or move it earlier with a planned test-failover',
  'ElastiCache:NodeReplacementRescheduled': 'a scheduled node replacement moved to another window',
  'ElastiCache:NodeReplacementCanceled': 'a scheduled node replacement was canceled',
  'ElastiCache:CacheNodesRebooted': 'cache nodes were rebooted: connections reset',
};

// eventsOf returns the forwarded events named in an ElastiCache message,
// with their source.
function eventsOf(message) {
  let parsed;
  try {
    parsed = JSON.parse(message);
  } catch {
    parsed = undefined;
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    return Object.keys(parsed).filter((k) => FORWARDED[k]).map((k) => ({ event: k, source: String(parsed[k]) }));
  }
  return Object.keys(FORWARDED).filter((k) => String(message).includes(k)).map((k) => ({ event: k, source: '' }));
}

const log = (msg, fields) => console.log(JSON.stringify({ msg, ...fields }));

exports.handler = async (event) => {
  const topicArn = process.env.ALARM_TOPIC_ARN;
  const deployment = process.env.DEPLOYMENT;
  let forwarded = 0;
  for (const record of event.Records || []) {
    const message = record.Sns && record.Sns.Message;
    const found = eventsOf(message || '');
    if (found.length === 0) {
      log('dropped', { message });
      continue;
    }
    for (const { event: name, source } of found) {
      const subject = `${deployment} Redis: ${name}${source ? ` (${source})` : ''}`.slice(0, 99);
      await sns.send(new PublishCommand({
        TopicArn: topicArn,
        Subject: subject,
        Message: `${name}${source ? ` on ${source}` : ''} at ${record.Sns.Timestamp}: ${FORWARDED[name]}.\n\nElastiCache notification: ${message}`,
      }));
      log('forwarded', { event: name, source });
      forwarded++;
    }
  }
  return { forwarded };
};
