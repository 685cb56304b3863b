import { describe, expect, it } from 'vitest';
import { childEnvironment, inheritedDescriptors } from '../../src/launch/child-env.js';

describe('childEnvironment', () => {
  it("puts the app's NODE_OPTIONS back, unchanged, and hides the launcher's variables", () => {
    const env = childEnvironment({ PATH: '/bin', PROCINIT_APP_NODE_OPTIONS: '--inspect --max-old-space-size=4096',
      PROCINIT_INHERITED_FDS: ' 0 1 2' });
    expect(env.sort()).toEqual(['NODE_OPTIONS=--inspect --max-old-space-size=4096', 'PATH=/bin']);
  });

  it('keeps an empty NODE_OPTIONS as set and empty', () => {
    expect(childEnvironment({ PROCINIT_APP_NODE_OPTIONS: '' })).toEqual(['NODE_OPTIONS=']);
  });

  it('leaves NODE_OPTIONS unset when the app had none', () => {
    expect(childEnvironment({ A: '1' })).toEqual(['A=1']);
  });

  it('passes NODE_OPTIONS through when procinit was started without the launcher', () => {
    expect(childEnvironment({ NODE_OPTIONS: '--x' })).toEqual(['NODE_OPTIONS=--x']);
  });
});

describe('inheritedDescriptors', () => {
  it("reads the launcher's list", () => expect(inheritedDescriptors({ PROCINIT_INHERITED_FDS: ' 0 1 2 5 10' })).toEqual([0, 1, 2, 5, 10]));
  it('falls back to stdio without it', () => expect(inheritedDescriptors({})).toEqual([0, 1, 2]));
  it('ignores anything that is not a number', () => expect(inheritedDescriptors({ PROCINIT_INHERITED_FDS: '0 x 3' })).toEqual([0, 3]));
});
