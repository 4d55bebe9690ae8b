// The graphql-http audit of the GraphQL over HTTP specification against a running server.
// URL: its GraphQL endpoint; TOKEN: a bearer token sent with every audit request (the API
// answers nothing without one). Prints a JSON summary line, then each audit that is not ok.
import { serverAudits } from 'graphql-http';

const url = process.env.URL;
const token = process.env.TOKEN;

function fetchFn(input, init = {}) {
  const headers = new Headers(init.headers || {});
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

const results = [];
for (const audit of serverAudits({ url, fetchFn })) {
  const result = await audit.fn();
  results.push({ id: audit.id, name: audit.name, status: result.status, reason: result.reason });
}
const count = (status) => results.filter((result) => result.status === status).length;
console.log(
  JSON.stringify({ audits: results.length, ok: count('ok'), notice: count('notice'), warn: count('warn'), error: count('error') }),
);
for (const result of results) {
  if (result.status !== 'ok') console.log(`${result.status} ${result.id} ${result.name}: ${result.reason}`);
}
