/**
 * The WebRTC mesh: one PeerLink per other peer in the room, created when
 * we learn of the peer (or when its offer arrives first: relayed messages
 * are not ordered) and closed when it leaves. The polite side of each
 * pair is the one with the larger peerId, so both agree without talking.
 */
import { PeerLink, type LinkEvents } from './peer-link.js';
import { Refusal, type Signaling } from './signaling.js';

export class Mesh {
  readonly links = new Map<string, PeerLink>();
  /** Peers that left: a late offer or candidate from one must not bring its link back. */
  private readonly gone = new Set<string>();

  constructor(
    private readonly myId: string,
    private readonly signaling: Signaling,
    private readonly iceServers: RTCIceServer[],
    private readonly localStream: MediaStream | undefined,
    private readonly eventsFor: (peerId: string) => LinkEvents,
  ) {}

  ensure(peerId: string): PeerLink {
    this.gone.delete(peerId);
    let link = this.links.get(peerId);
    if (!link) {
      link = new PeerLink(peerId, this.myId > peerId, this.signaling, this.iceServers, this.localStream, this.eventsFor(peerId));
      this.links.set(peerId, link);
    }
    return link;
  }

  remove(peerId: string): void {
    this.gone.add(peerId);
    this.links.get(peerId)?.close();
    this.links.delete(peerId);
  }

  clear(): void {
    for (const peerId of [...this.links.keys()]) this.remove(peerId);
  }

  /** Relayed requests that belong to the mesh. */
  async request(from: string, method: string, data: any): Promise<unknown> {
    if (method !== 'offer') throw new Refusal(404, `unknown method ${method}`);
    // Relayed messages are not ordered: an offer the peer sent before it
    // left can arrive after its peerClosed. Taking it would bring back a
    // link and a card that nothing removes. A peer that really comes back
    // is a newPeer first (ensure forgets it was gone), then offers anew.
    if (this.gone.has(from)) throw new Refusal(410, `${from} has left the room`);
    return this.ensure(from).handleOffer(data.description, data.seen);
  }

  /** Relayed notifications that belong to the mesh; false if not ours. */
  notification(from: string, method: string, data: any): boolean {
    if (method !== 'candidate') return false;
    if (this.gone.has(from)) return true;
    void this.ensure(from).handleCandidate(data.candidate);
    return true;
  }
}
