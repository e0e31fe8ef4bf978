import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { idleWait } from '../../agent/runner.ts';

test('idleWait: the claim loops of an endpoint take turns on a grid of the poll interval', () => {
  const poll = 1000;
  // Two loops: loop 0 wakes on whole seconds, loop 1 on the half seconds, whenever they went idle.
  assert.is(idleWait(10_200, poll, 0, 2), 800);
  assert.is(idleWait(10_200, poll, 1, 2), 300);
  assert.is(idleWait(10_700, poll, 1, 2), 800);
  // One loop keeps its grid too.
  assert.is(idleWait(10_250, poll, 0, 1), 750);
  // Never a claim right after another: a turn due within a tenth is skipped to the next.
  assert.is(idleWait(10_990, poll, 0, 2), 1010);
  // Between them the loops wake every poll / count.
  const wakes = [0, 1, 2, 3].map((i) => 10_000 + idleWait(10_000, poll, i, 4)).sort((a, b) => a - b);
  assert.equal(wakes, [10_250, 10_500, 10_750, 11_000]);
});

test.run();
