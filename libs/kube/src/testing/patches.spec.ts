import { applyJsonPatch, applyMergePatch, PatchError } from './patches';

describe('applyMergePatch (RFC 7386)', () => {
  it('merges maps, replaces lists and scalars, deletes on null, leaves the target alone', () => {
    const target = { a: 1, b: { c: 2, d: 3 }, list: [1, 2] };
    expect(applyMergePatch(target, { a: 9, b: { c: null, e: 4 }, list: [3] })).toEqual({ a: 9, b: { d: 3, e: 4 }, list: [3] });
    expect(target).toEqual({ a: 1, b: { c: 2, d: 3 }, list: [1, 2] });
  });
});

describe('applyJsonPatch (RFC 6902)', () => {
  const doc = { metadata: { labels: { a: '1' } }, spec: { items: ['x', 'y'] } };

  it('adds, replaces, removes, moves, copies and tests', () => {
    expect(
      applyJsonPatch(doc, [
        { op: 'add', path: '/metadata/labels/b~1c', value: '2' },
        { op: 'replace', path: '/metadata/labels/a', value: '3' },
        { op: 'add', path: '/spec/items/-', value: 'z' },
        { op: 'add', path: '/spec/items/0', value: 'w' },
        { op: 'remove', path: '/spec/items/1' },
        { op: 'copy', from: '/metadata/labels/a', path: '/spec/copied' },
        { op: 'move', from: '/spec/copied', path: '/spec/moved' },
        { op: 'test', path: '/spec/items', value: ['w', 'y', 'z'] },
      ]),
    ).toEqual({ metadata: { labels: { a: '3', 'b/c': '2' } }, spec: { items: ['w', 'y', 'z'], moved: '3' } });
    expect(doc.spec.items).toEqual(['x', 'y']);
  });

  it.each([
    ['a failing test', [{ op: 'test', path: '/metadata/labels/a', value: '2' }]],
    ['replacing a missing member', [{ op: 'replace', path: '/metadata/nope', value: 1 }]],
    ['removing a missing member', [{ op: 'remove', path: '/spec/none' }]],
    ['an index out of range', [{ op: 'add', path: '/spec/items/5', value: 1 }]],
    ['an unknown op', [{ op: 'frobnicate', path: '/a' }]],
    ['a patch that is not a list', { op: 'add' }],
    ['a path below a missing member', [{ op: 'add', path: '/a/b/c', value: 1 }]],
  ])('refuses %s', (_name, patch) => {
    expect(() => applyJsonPatch(doc, patch)).toThrow(PatchError);
  });
});
