import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorError } from './selectors';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', 'example.com/team': 'a' };

  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['tier in (front, back)', true],
    ['tier in (back)', false],
    ['missing in (x)', false],
    ['tier notin (back)', true],
    ['tier notin (front,back)', false],
    ['missing notin (x)', true],
    ['example.com/team=a', true],
    ['app=web,tier in (front),!missing', true],
    ['app=web, tier=back', false],
    ['', true],
  ])('%j matches=%s', (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it('an empty value matches an empty label', () => {
    expect(matchesLabels(parseLabelSelector('gpu='), { gpu: '' })).toBe(true);
  });

  it.each(['app=(', 'a b', 'tier in ()', '-bad=x', 'app=va lue'])('refuses %j', (selector) => {
    expect(() => parseLabelSelector(selector)).toThrow(SelectorError);
  });
});

describe('field selectors', () => {
  const obj = { metadata: { name: 'p1', namespace: 'ns' }, status: { phase: 'Running' } };
  const allowed = ['metadata.name', 'metadata.namespace', 'status.phase'];

  it.each([
    ['metadata.name=p1', true],
    ['metadata.name==p1', true],
    ['metadata.name!=p1', false],
    ['metadata.namespace=ns,status.phase=Running', true],
    ['status.phase=Pending', false],
  ])('%j matches=%s', (selector, expected) => {
    expect(matchesFields(parseFieldSelector(selector, allowed), obj)).toBe(expected);
  });

  it('refuses fields the kind does not support, like the real server', () => {
    expect(() => parseFieldSelector('spec.nodeName=x', allowed)).toThrow('field label not supported: spec.nodeName');
  });
});
