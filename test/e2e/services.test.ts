// Services in a real container (runc: what Docker calls), with a read-only root filesystem:
// `procinit status` through `runc exec` (`docker exec`, as a HEALTHCHECK runs) finds the status
// file procinit keeps in /dev/shm, and `docker stop` stops the main, then the services in order.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { waitFor } from '../helpers/procs.js';
import { PROCINIT, PROJECT, SHARED, cleanUpContainers, runcReady, startContainer } from './runc.js';

const ready = runcReady();
cleanUpContainers();

const LISTEN = `${PROJECT}/test/fixtures/services/listen.py`;

describe.skipIf(!ready)('procinit status as a HEALTHCHECK, read-only root', () => {
  test('unhealthy until the critical service is ready, then healthy; docker stop stops everything in order', async () => {
    const config = {
      services: {
        api: { command: ['python3', LISTEN, 'http', '8080', '1.5', `${SHARED}/api.ready`], ready: { http: 'http://127.0.0.1:8080/health' }, critical: true },
        worker: { command: ['sh', '-c', `trap 'echo worker >> ${SHARED}/stopped; exit 0' TERM; while :; do sleep 0.1; done`], dependsOn: ['api'] },
      },
    };
    const c = startContainer({
      args: [PROCINIT, '-v', '--config', `${SHARED}/procinit.json`, '--', 'sh', '-c',
        `trap 'echo main >> ${SHARED}/stopped; exit 0' TERM; echo > ${SHARED}/main; while :; do sleep 0.1; done`],
    });
    writeFileSync(join(c.shared, 'procinit.json'), JSON.stringify(config));
    await c.running();
    // While api starts (its check waits 1.5 s for a 200), the health check fails.
    const early = await waitFor(() => {
      const r = c.exec([PROCINIT, 'status']);
      return /^api\s+STARTING/m.test(r.stdout) ? r : undefined;
    }, 'a status with api starting', 15_000);
    expect(early.code, early.stdout + early.stderr).toBe(1);
    expect(early.stdout).toMatch(/^unhealthy: not every critical service is up and ready: api is STARTING/m);
    await c.waitForFile('main', 15_000);
    const healthy = c.exec([PROCINIT, 'status']);
    expect(healthy.code, healthy.stdout + healthy.stderr).toBe(0);
    expect(healthy.stdout).toMatch(/^api\s+RUNNING/m);
    expect(healthy.stdout).toMatch(/^worker\s+RUNNING/m);
    // The root is read-only, /run is not there: the file is in Docker's /dev/shm tmpfs.
    expect(c.exec(['test', '-f', '/dev/shm/procinit/status.json']).code).toBe(0);
    c.kill('TERM');
    expect(await c.exitCodeWithin(15_000), c.output()).toBe(0);
    expect(c.sharedFile('stopped')).toBe('main\nworker\n');
  });

  test('without services, procinit status says there is nothing to read and fails', async () => {
    const c = startContainer({ args: [PROCINIT, '--', 'sh', '-c', `echo > ${SHARED}/main; exec sleep 1000`] });
    await c.waitForFile('main', 15_000);
    const r = c.exec([PROCINIT, 'status']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^procinit status: no status file in \/run\/procinit, \/dev\/shm\/procinit, \/tmp\/procinit: is procinit running with --config\?/);
  });
});
