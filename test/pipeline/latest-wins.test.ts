import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';
import { map, timer } from 'rxjs';
import { latestWins } from '../../src/pipeline/latest-wins.js';

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

test('idle stage takes each value as it comes', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold('a---b---c---|');
    const work = (v: string) => timer(2).pipe(map(() => v.toUpperCase()));
    expectObservable(source.pipe(latestWins(work))).toBe('--A---B---C-|');
  });
});

test('busy stage keeps only the newest value, runs it when free, and counts the dropped ones', () => {
  scheduler().run(({ cold, expectObservable, flush }) => {
    const dropped: string[] = [];
    const source = cold('abcd-------|');
    const work = (v: string) => timer(5).pipe(map(() => v.toUpperCase()));
    // a starts at 0 and ends at 5; b and c are overtaken by d; d runs 5..10.
    expectObservable(source.pipe(latestWins(work, { onDrop: (v) => dropped.push(v) }))).toBe('-----A----D|');
    flush();
    assert.deepEqual(dropped, ['b', 'c']);
  });
});

test('merge carries an overtaken value into its replacement', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold('abc------|');
    const work = (v: string) => timer(4).pipe(map(() => v));
    expectObservable(source.pipe(latestWins(work, { merge: (dropped, next) => dropped + next }))).toBe('----a---x|', { a: 'a', x: 'bc' });
  });
});

test('an error in the work reaches the subscriber', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold('a-|');
    const work = () => cold('-#', undefined, new Error('boom'));
    expectObservable(source.pipe(latestWins(work))).toBe('-#', undefined, new Error('boom'));
  });
});

test('work that completes synchronously frees the stage for the next value and lets it complete', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold('a-b-|');
    expectObservable(source.pipe(latestWins((v: string) => [v.toUpperCase()]))).toBe('A-B-|');
  });
});
