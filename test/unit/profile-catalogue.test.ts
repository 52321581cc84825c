/**
 * Generated from every example of every profile, built-in and installer-written
 * (devices/profiles/*.yaml): one test per example, named after the profile and the example, so a
 * profile edit that breaks a promise fails here with the example's own words.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkExample, formatProblem, loadProfiles } from '../../src/profiles/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { registry, problems } = loadProfiles(fileURLToPath(new URL('../../devices/profiles/', import.meta.url)), root);

describe('profile catalogue', () => {
  it('every profile file loads without problems', () => {
    expect(problems.map(formatProblem)).toEqual([]);
  });

  it('has the built-in profiles', () => {
    const ids = registry.all().map((p) => p.id);
    for (const id of ['native', 'zigbee2mqtt', 'frigate', 'contact-id', 'homeassistant']) expect(ids).toContain(id);
  });

  for (const profile of registry.all()) {
    describe(profile.id, () => {
      it(`${profile.id}: carries examples`, () => {
        expect(profile.examples.length).toBeGreaterThan(0);
      });
      profile.examples.forEach((example, i) => {
        it(`${profile.id}: ${example.description ?? `example ${i + 1}`}`, () => {
          expect(checkExample(profile, example)).toBeNull();
        });
      });
    });
  }
});
