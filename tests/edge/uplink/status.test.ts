import { describe, expect, it } from 'vitest';
import { withoutCredentials } from '../../../edge/uplink/index.ts';

describe('a camera reason leaving the branch', () => {
  it("drops the camera's login from every address it quotes, and keeps the rest", () => {
    const reason =
      'rtsp://admin:s3cret@10.0.0.5:554/stream1: Connection refused; ' +
      'retrying RTSP://viewer@cam-2/live and http://10.0.0.9/still.jpg';

    expect(withoutCredentials(reason)).toBe(
      'rtsp://10.0.0.5:554/stream1: Connection refused; ' +
        'retrying RTSP://cam-2/live and http://10.0.0.9/still.jpg',
    );
  });

  it('leaves a reason without an address as it was', () => {
    expect(withoutCredentials('clip ended')).toBe('clip ended');
  });
});
