// Planners and studiers: a k6 load test for TaskOverflow.
//
// Most of the class has settled in and keeps listing their todos to see what is left to do:
// the studiers, whose number ramps up over the run. A few indecisive planners keep adding a task
// to their list, notice the typo in its title, and delete it again.
//
//   k6 run k6/planners-and-studiers.js                        # the app on http://localhost:6400
//   k6 run -e ENDPOINT=http://my-alb.example.com k6/planners-and-studiers.js
//   k6 run -e SCALE=0.1 k6/planners-and-studiers.js           # a quick run (see below)
//
// ENDPOINT is the app's base URL. SCALE (default 1, the full run of 4 minutes) makes a run
// shorter: durations and iterations are multiplied by SCALE; a run of at least a quarter of the
// full length keeps all the users (it is shorter, not lighter), a shorter one has fewer.
// See k6/README.md.

import http from 'k6/http';
import { check, sleep } from 'k6';

const ENDPOINT = (__ENV.ENDPOINT || 'http://localhost:6400').replace(/\/+$/, '');
const SCALE = Number(__ENV.SCALE || 1);
if (!(SCALE > 0)) {
  throw new Error(`SCALE must be a number above 0, not ${JSON.stringify(__ENV.SCALE)}`);
}

/** A duration of `s` seconds at full scale. */
function seconds(s) {
  return `${Math.max(1, Math.round(s * SCALE))}s`;
}

/** A number of virtual users: `n` at full scale, and down to a quarter of the length. */
function users(n) {
  return Math.max(1, Math.round(n * Math.min(1, 4 * SCALE)));
}

/** A number of repetitions: `n` at full scale. */
function times(n) {
  return Math.max(1, Math.round(n * SCALE));
}

const STUDIERS = users(800);
const PLANNERS = users(10);

export const options = {
  scenarios: {
    // Students listing their todos, more and more of them.
    studiers: {
      executor: 'ramping-vus',
      exec: 'studier',
      startVUs: 0,
      stages: [
        { duration: seconds(30), target: Math.ceil(STUDIERS / 3) },
        { duration: seconds(60), target: STUDIERS },
        { duration: seconds(120), target: STUDIERS },
        { duration: seconds(30), target: 0 },
      ],
    },
    // A fixed group of planners sharing a fixed amount of indecision.
    planners: {
      executor: 'shared-iterations',
      exec: 'planner',
      vus: PLANNERS,
      iterations: PLANNERS * times(100),
      maxDuration: seconds(240),
    },
  },
};

const JSON_HEADERS = { 'Content-Type': 'application/json' };

export function studier() {
  const response = http.get(`${ENDPOINT}/api/v1/todos`, { tags: { name: 'GET /api/v1/todos' } });
  check(response, { 'todos listed': (r) => r.status === 200 });
  sleep(0.25);
}

export function planner() {
  const request = http.post(
    `${ENDPOINT}/api/v1/todos`,
    JSON.stringify({ title: 'CSSE6400 Clout Assignment' }),
    { headers: JSON_HEADERS, tags: { name: 'POST /api/v1/todos' } },
  );
  check(request, { 'todo created': (r) => r.status === 200 });

  // "Clout"? That is not what they meant.
  sleep(1);

  const response = http.del(`${ENDPOINT}/api/v1/todos/${request.id}`, null, {
    tags: { name: 'DELETE /api/v1/todos/{id}' },
  });
  check(response, { 'todo deleted': (r) => r.status === 200 });
  sleep(1);
}
