/** The page's entry point: the join form, the chat form, Leave, and a read-only hook for the browser test. */
import { randomPeerId, readConfig } from './config.js';
import { RoomSession } from './room-session.js';
import { el, setStatus } from './ui.js';

const config = readConfig(location);
el.name.value = config.name;
el.room.value = config.room ?? '';
// In token mode the token names the room: the field only shows it.
el.room.readOnly = Boolean(config.token && config.room);

let session: RoomSession | undefined;

el.joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  session?.close();
  session = new RoomSession(config, el.room.value, config.peerId ?? randomPeerId(), el.name.value.trim());
  session.start(el.useMedia.checked).catch((error) => setStatus(`Could not start: ${(error as Error).message}`));
});

el.chatForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = el.chatInput.value.trim();
  if (!text || !session) return;
  el.chatInput.value = '';
  session.chat(text).catch((error) => setStatus(`Message not sent: ${(error as Error).message}`));
});

el.leave.addEventListener('click', () => {
  session?.close();
  session = undefined;
  setStatus('Not connected.');
  el.name.focus();
});

// What the browser test reads and cannot see in the DOM: the connections' own state.
(window as unknown as { demo: unknown }).demo = {
  peerId: () => session?.peerId,
  links: () =>
    [...(session?.mesh.links.values() ?? [])].map((link) => ({
      peerId: link.remoteId,
      state: link.pc.connectionState,
      signaling: link.pc.signalingState,
      channel: link.channel?.readyState ?? 'none',
      collisions: link.collisions,
    })),
  framesDecoded: async (peerId: string) => {
    const link = session?.mesh.links.get(peerId);
    if (!link) return 0;
    let frames = 0;
    (await link.pc.getStats()).forEach((report) => {
      if (report.type === 'inbound-rtp' && report.kind === 'video') frames += report.framesDecoded ?? 0;
    });
    return frames;
  },
  restart: (peerId: string) => session?.mesh.links.get(peerId)?.restart(),
};
