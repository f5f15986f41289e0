// Flat out: how many requests a second the app serves when nobody waits between requests.
// Used by `cargo xtask calibrate sizes` to measure each task size's ceiling, and the ceiling of
// the machine itself (a task big enough that k6 and PostgreSQL run out of CPU first); see
// docs/calibration.md. Not part of the lab.
//
//   k6 run -e ENDPOINT=http://127.0.0.1:6400 -e VUS=20 -e DURATION=20s k6/calibration/flat-out.js
//
// The same mix of requests as k6/solved/planners-and-studiers.js (listing, and creating then
// deleting a todo), without the sleeps.

import http from 'k6/http';
import { check } from 'k6';

const ENDPOINT = (__ENV.ENDPOINT || 'http://localhost:6400').replace(/\/+$/, '');
const VUS = Number(__ENV.VUS || 20);
const DURATION = __ENV.DURATION || '20s';

export const options = {
  scenarios: {
    studiers: { executor: 'constant-vus', exec: 'studier', vus: VUS, duration: DURATION },
    planners: {
      executor: 'constant-vus',
      exec: 'planner',
      vus: Math.max(1, Math.round(VUS / 10)),
      duration: DURATION,
    },
  },
};

export function studier() {
  const response = http.get(`${ENDPOINT}/api/v1/todos`, { tags: { name: 'GET /api/v1/todos' } });
  check(response, { 'todos listed': (r) => r.status === 200 });
}

export function planner() {
  const request = http.post(
    `${ENDPOINT}/api/v1/todos`,
    JSON.stringify({ title: 'CSSE6400 Clout Assignment' }),
    { headers: { 'Content-Type': 'application/json' }, tags: { name: 'POST /api/v1/todos' } },
  );
  check(request, { 'todo created': (r) => r.status === 201 });
  const response = http.del(`${ENDPOINT}/api/v1/todos/${request.json().id}`, null, {
    tags: { name: 'DELETE /api/v1/todos/{id}' },
  });
  check(response, { 'todo deleted': (r) => r.status === 200 });
}
