/**
 * One stay in one room: the signaling connection, our media, the mesh and
 * the cards on the page, from Join to Leave. protoo-client reconnects by
 * itself; each reconnection is a new peer for the server, so we join again
 * and rebuild the mesh.
 */
import { connectUrl, type DemoConfig } from './config.js';
import { Mesh } from './mesh.js';
import type { LinkEvents } from './peer-link.js';
import { Signaling, type PeerInfo } from './signaling.js';
import { addChatLine, announce, el, PeerCard, refreshEmpty, setStatus, showRoom } from './ui.js';

/** A mesh sends one copy per peer: small frames keep a phone (and CI) cool. */
const SMALL_VIDEO: MediaTrackConstraints = { width: { ideal: 320 }, height: { ideal: 240 }, frameRate: { ideal: 15 } };
/** A link state is announced once it has held this long: a screen reader hears `connected`, not every step to it. */
const ANNOUNCE_AFTER_MS = 1500;

export class RoomSession {
  readonly cards = new Map<string, PeerCard>();
  private readonly names = new Map<string, string>();
  private signaling!: Signaling;
  mesh!: Mesh;
  private media?: MediaStream;
  private closed = false;
  /** Per peer: the last link state announced, and the timer of the next. */
  private readonly announced = new Map<string, string>();
  private readonly announceTimers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly config: DemoConfig,
    readonly room: string,
    readonly peerId: string,
    private readonly name: string,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Leave can be pressed while the camera prompt is open: then nothing
   * after it may happen (no connection, no join, the camera released),
   * and the page may already belong to a newer session.
   */
  async start(useMedia: boolean): Promise<void> {
    showRoom(this.room);
    if (useMedia && navigator.mediaDevices) {
      setStatus('Asking for the camera and microphone…');
      const media = await navigator.mediaDevices.getUserMedia({ video: SMALL_VIDEO, audio: true }).catch((error: Error) => {
        if (!this.closed) setStatus(`No camera or microphone (${error.name}): DataChannel only.`);
        return undefined;
      });
      if (this.closed) {
        for (const track of media?.getTracks() ?? []) track.stop();
        return;
      }
      this.media = media;
      if (media) el.localVideo.srcObject = media;
    }
    el.localVideo.hidden = !this.media;
    setStatus('Connecting…');
    this.signaling = new Signaling(connectUrl(this.config, this.room, this.peerId), {
      open: () => void this.join(),
      down: (final) => this.down(final),
      newPeer: (peer) => this.addPeer(peer),
      peerClosed: (peerId) => this.removePeer(peerId),
      replaced: () => {
        this.close();
        setStatus('You joined with this peer id somewhere else: this page left the room.');
      },
      request: (from, method, data) => this.mesh.request(from, method, data),
      notification: (from, method, data) => {
        if (method === 'chat') addChatLine(this.names.get(from) ?? from, String(data?.text ?? ''));
        else this.mesh.notification(from, method, data);
      },
    });
    this.mesh = new Mesh(this.peerId, this.signaling, this.config.iceServers, this.media, (peerId) => this.linkEvents(peerId));
  }

  private async join(): Promise<void> {
    if (this.closed) return;
    setStatus('Joining…');
    try {
      const peers = await this.signaling.join(this.name);
      if (this.closed) return;
      for (const peer of peers) this.addPeer(peer);
      setStatus(`In room ${this.room} as ${this.name} (${this.peerId}).`);
    } catch (error) {
      if (!this.closed) setStatus(`Join failed: ${(error as Error).message}`);
    }
  }

  private down(final: boolean): void {
    this.mesh.clear();
    for (const peerId of [...this.cards.keys()]) this.removeCard(peerId);
    // A browser never sees why a handshake was refused (e.g. 401 for a missing or expired token).
    const why = this.config.token ? ' Is the join token valid and unexpired?' : '';
    if (!this.closed) setStatus(final ? `Could not connect, or the connection closed.${why} Press Leave, then Join to try again.` : 'Connection lost, reconnecting…');
  }

  private addPeer(peer: PeerInfo): void {
    if (this.closed) return;
    this.names.set(peer.id, peer.data?.displayName || peer.id);
    this.mesh.ensure(peer.id); // creates the card through linkEvents
    this.card(peer.id).setName(`${this.names.get(peer.id)} (${peer.id})`);
  }

  private removePeer(peerId: string): void {
    this.mesh.remove(peerId);
    this.removeCard(peerId);
  }

  private card(peerId: string): PeerCard {
    let card = this.cards.get(peerId);
    if (!card) {
      card = new PeerCard(peerId);
      if (this.names.has(peerId)) card.setName(`${this.names.get(peerId)} (${peerId})`);
      card.ping.onclick = () => this.mesh.links.get(peerId)?.send(`ping from ${this.name} at ${new Date().toLocaleTimeString()}`);
      card.restart.onclick = () => this.mesh.links.get(peerId)?.restart();
      this.cards.set(peerId, card);
      el.peers.append(card.root);
      refreshEmpty();
    }
    return card;
  }

  private removeCard(peerId: string): void {
    this.cards.get(peerId)?.root.remove();
    this.cards.delete(peerId);
    clearTimeout(this.announceTimers.get(peerId));
    this.announceTimers.delete(peerId);
    this.announced.delete(peerId);
    refreshEmpty();
  }

  /**
   * Politely, and only a state that held for a moment and differs from
   * the last one said: `new → connecting → connected` is one announcement.
   */
  private announceState(peerId: string, state: string): void {
    clearTimeout(this.announceTimers.get(peerId));
    this.announceTimers.set(
      peerId,
      setTimeout(() => {
        this.announceTimers.delete(peerId);
        const card = this.cards.get(peerId);
        if (!card || this.closed || this.announced.get(peerId) === state) return;
        if (state === 'new' || state === 'connecting') return; // steps on the way, not news
        this.announced.set(peerId, state);
        announce(`Link to ${card.displayName}: ${state}`);
      }, ANNOUNCE_AFTER_MS),
    );
  }

  private linkEvents(peerId: string): LinkEvents {
    this.card(peerId); // a link can come before newPeer: its offer may overtake it
    return {
      state: (state) => {
        this.cards.get(peerId)?.setState(state);
        this.announceState(peerId, state);
      },
      note: (text) => this.cards.get(peerId)?.note(text),
      healthy: () => this.cards.get(peerId)?.clearNote(),
      open: () => this.mesh.links.get(peerId)?.send(`hello from ${this.name}`),
      message: (text) => this.cards.get(peerId)?.message(text),
      track: (stream) => this.cards.get(peerId)?.showVideo(stream),
    };
  }

  async chat(text: string): Promise<void> {
    const { delivered } = await this.signaling.notify(undefined, 'chat', { text });
    addChatLine(`${this.name} (you, to ${delivered})`, text);
  }

  /** Leave: idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.mesh?.clear();
    this.signaling?.close();
    for (const track of this.media?.getTracks() ?? []) track.stop();
    if (this.media && el.localVideo.srcObject === this.media) el.localVideo.srcObject = null;
    for (const peerId of [...this.cards.keys()]) this.removeCard(peerId);
    el.chat.replaceChildren();
    showRoom(undefined);
  }
}
