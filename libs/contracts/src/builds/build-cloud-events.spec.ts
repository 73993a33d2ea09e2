import { buildCloudEvent, buildCloudEventHeaders } from './build-cloud-events';
import type { BuildDto, BuildEventDto } from './builds.dto';

describe('build events as CloudEvents', () => {
  const event = {
    eventId: '7b0d7e1e-4e4e-4a47-9a51-3c9b1f0f1a01',
    type: 'timed_out',
    at: '2026-12-05T13:00:00.000Z',
    build: { id: 'b1', accountId: 'a1', enterpriseProjectId: 'p1', jobId: 'j1', status: 'TIMED_OUT' } as BuildDto,
  } satisfies BuildEventDto;

  it('describes the event with the required attributes, the event itself as data', () => {
    expect(buildCloudEvent(event)).toEqual({
      specversion: '1.0',
      id: event.eventId,
      source: '/stagecraft/accounts/a1/enterprise-projects/p1/jobs/j1',
      type: 'io.stagecraft.build.timed_out',
      subject: 'builds/b1',
      time: event.at,
      datacontenttype: 'application/json',
      data: event,
    });
  });

  it('names the NATS headers ce-<attribute>, with the content type as content-type', () => {
    expect(buildCloudEventHeaders(event)).toEqual({
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': event.eventId,
      'ce-source': '/stagecraft/accounts/a1/enterprise-projects/p1/jobs/j1',
      'ce-type': 'io.stagecraft.build.timed_out',
      'ce-subject': 'builds/b1',
      'ce-time': event.at,
    });
  });
});
