// Runs the GraphQL over HTTP spec's audit suite (graphql-http) against the URL given as
// the only argument, and prints one JSON array: {id, name, status, reason?} per audit.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql url>');
  process.exit(2);
}

const results = await auditServer({ url });
const summary = results.map((result) =>
  result.status === 'ok'
    ? { id: result.id, name: result.name, status: result.status }
    : { id: result.id, name: result.name, status: result.status, reason: result.reason },
);
console.log(JSON.stringify(summary));
