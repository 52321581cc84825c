/** scope.ts (issue 12): an incident is seen by the receiving point it was routed to and by its cell's community post. */
import { describe, expect, it } from 'vitest';
import { audience, audienceLookup, scopeFor, type Principal, type Scoped, type ScopeInput } from '../../src/auth/scope.js';

const TREE: ScopeInput = {
  stations: [
    { id: 'city-110', parent: null, tier: 'city' },
    { id: 'ps-hecheng', parent: 'city-110', tier: 'station' },
    { id: 'cp-minghu', parent: 'ps-hecheng', tier: 'community' },
    { id: 'ps-fenghuang', parent: 'city-110', tier: 'station' },
    { id: 'fire-119', parent: null, tier: 'fire' },
    { id: 'med-120', parent: null, tier: 'medical' },
  ],
  sites: [
    { id: 'home-a', stationId: 'ps-hecheng', guardGroup: null },
    { id: 'home-b', stationId: 'ps-fenghuang', guardGroup: null },
  ],
};
const op = (stationId: string): Principal => ({ username: 'x', role: 'operator', stationId, guardGroup: null });

const police: Scoped = { siteId: 'home-a', stationId: 'ps-hecheng', responsibleStationId: 'ps-hecheng', communityPostId: 'cp-minghu' };
const fire: Scoped = { siteId: 'home-a', stationId: 'ps-hecheng', responsibleStationId: 'fire-119', communityPostId: 'cp-minghu' };
const medicalB: Scoped = { siteId: 'home-b', stationId: 'ps-fenghuang', responsibleStationId: 'med-120', communityPostId: null };
const policeB: Scoped = { siteId: 'home-b', stationId: 'ps-fenghuang', responsibleStationId: 'ps-fenghuang', communityPostId: null };

describe('scope of routed incidents', () => {
  it.each([
    { name: 'the post sees a police incident of its cell', who: 'cp-minghu', item: police, sees: true },
    { name: 'the post sees a fire incident of its cell', who: 'cp-minghu', item: fire, sees: true },
    { name: 'the post does not see another station’s incident', who: 'cp-minghu', item: policeB, sees: false },
    { name: 'the 119 point sees the fire incident routed to it', who: 'fire-119', item: fire, sees: true },
    { name: 'the 119 point does not see a police incident', who: 'fire-119', item: police, sees: false },
    { name: 'the 120 point sees the medical incident', who: 'med-120', item: medicalB, sees: true },
    { name: 'the cell station still sees the fire incident of its cell', who: 'ps-hecheng', item: fire, sees: true },
    { name: 'a sister station does not', who: 'ps-fenghuang', item: fire, sees: false },
    { name: 'the city sees everything', who: 'city-110', item: medicalB, sees: true },
  ])('$name', ({ who, item, sees }) => {
    const scope = scopeFor(op(who), TREE);
    expect(scope.sees(item)).toBe(sees);
    // A push reaches exactly the principals whose reads would show it.
    expect(audience(item, audienceLookup(TREE)).includes(scope.room)).toBe(sees);
  });
});
