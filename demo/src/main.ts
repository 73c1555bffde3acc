/** The page's entry point: the join form, the chat form, Leave, and a hook for the browser test. */
import { randomPeerId, readConfig } from './config.js';
import { RoomSession } from './room-session.js';
import { el, setStatus } from './ui.js';

const config = readConfig(location);
el.name.value = config.name;
el.room.value = config.room ?? '';
// A token that names the room (HS256 join tokens) fixes it: the field only shows it.
el.room.readOnly = config.roomFixed;

// Browsers offer the camera only to secure contexts: https, or localhost.
// Over plain http on a LAN address the page still works, DataChannel only.
if (!navigator.mediaDevices?.getUserMedia) {
  el.useMedia.checked = false;
  el.useMedia.disabled = true;
  el.mediaNote.textContent =
    `The camera and microphone need https or localhost; this page is ${location.origin}, ` + 'so it joins with a DataChannel only.';
  el.mediaNote.hidden = false;
}

let session: RoomSession | undefined;

el.joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  // One session at a time: a second submit while one is starting or in the room does nothing.
  if (session && !session.isClosed) return;
  const current = new RoomSession(config, el.room.value, config.peerId ?? randomPeerId(), el.name.value.trim());
  session = current;
  current.start(el.useMedia.checked).catch((error) => {
    if (!current.isClosed) setStatus(`Could not start: ${(error as Error).message}`);
  });
});

el.chatForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = el.chatInput.value.trim();
  if (!text || !session) return;
  el.chatInput.value = '';
  session.chat(text).catch((error) => setStatus(`Message not sent: ${(error as Error).message}`));
});

el.leave.addEventListener('click', () => {
  session?.close(); // also while the camera prompt is open: start() then stops there
  session = undefined;
  setStatus('Not connected.');
});

// For the browser test: what it cannot see in the DOM (the connections'
// own state), and restart(), which starts an ICE restart like the card's
// button (the glare test has both pages press it at the same moment).
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
