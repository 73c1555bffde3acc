/**
 * One RTCPeerConnection to one remote peer, with "perfect negotiation"
 * (https://w3c.github.io/webrtc-pc/#perfect-negotiation-example): both
 * sides may offer whenever they need to; when two offers cross (glare),
 * the polite side rolls its own back and answers, the impolite side
 * refuses the other's offer (409) and keeps its own.
 *
 * Offers go as a relayed request (`peerRequest` 'offer') whose answer is
 * the SDP answer, so a refused or timed-out offer shows up; ICE
 * candidates trickle as relayed notifications (`peerNotify` 'candidate').
 */
import { Refusal, type Signaling } from './signaling.js';

export type LinkState = RTCPeerConnectionState;

export interface LinkEvents {
  state(state: LinkState): void;
  /** Something worth showing to the user (an offer refused, glare…). */
  note(text: string): void;
  /** The DataChannel is open: messages can go both ways. */
  open(): void;
  message(text: string): void;
  track(stream: MediaStream): void;
}

export class PeerLink {
  readonly pc: RTCPeerConnection;
  readonly channel: RTCDataChannel;
  /** Offers that crossed ours; the glare test reads it. */
  collisions = 0;
  private makingOffer = false;
  /** Their offers we applied, and our offers they answered: see isStale. */
  private appliedOffers = 0;
  private answeredOffers = 0;
  private ignoreOffer = false;
  /** Candidates that overtook their description: nothing orders two relayed messages. */
  private pendingCandidates: RTCIceCandidateInit[] = [];

  constructor(
    readonly remoteId: string,
    readonly polite: boolean,
    private readonly signaling: Signaling,
    iceServers: RTCIceServer[],
    localStream: MediaStream | undefined,
    private readonly events: LinkEvents,
  ) {
    this.pc = new RTCPeerConnection({ iceServers });
    // Negotiated with a fixed id: both sides create it, neither has to go first.
    this.channel = this.pc.createDataChannel('chat', { negotiated: true, id: 0 });
    this.channel.onopen = () => events.open();
    this.channel.onmessage = ({ data }) => events.message(String(data));
    for (const track of localStream?.getTracks() ?? []) this.pc.addTrack(track, localStream!);
    // Without media, still ask for the other side's camera and microphone.
    if (!localStream) {
      this.pc.addTransceiver('video', { direction: 'recvonly' });
      this.pc.addTransceiver('audio', { direction: 'recvonly' });
    }

    this.pc.onconnectionstatechange = () => {
      events.state(this.pc.connectionState);
      // New ICE credentials are the standard way back from `failed`; either side may start it.
      if (this.pc.connectionState === 'failed') this.restart();
    };
    this.pc.ontrack = ({ track, streams }) => events.track(streams[0] ?? new MediaStream([track]));
    this.pc.onicecandidate = ({ candidate }) => {
      if (!candidate) return; // end of candidates: nothing to relay
      this.signaling.notify(remoteId, 'candidate', { candidate: candidate.toJSON() }).catch((error) => events.note(`candidate not relayed: ${describe(error)}`));
    };
    this.pc.onnegotiationneeded = () => void this.offer();
  }

  private async offer(): Promise<void> {
    let description: RTCSessionDescription | null;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      description = this.pc.localDescription;
    } catch (error) {
      this.events.note(`could not create an offer: ${describe(error)}`);
      return;
    } finally {
      this.makingOffer = false;
    }
    try {
      const seen = this.appliedOffers;
      const { description: answer } = await this.signaling.request(this.remoteId, 'offer', { description, seen });
      // Our offer may have been rolled back meanwhile (we are polite and theirs won).
      if (this.pc.signalingState !== 'have-local-offer') return;
      await this.pc.setRemoteDescription(answer);
      this.answeredOffers++;
      await this.flushCandidates();
    } catch (error) {
      if (code(error) === 409) this.events.note('our offer crossed theirs (glare); theirs wins');
      else {
        this.events.note(`offer failed: ${describe(error)}`);
        // Back to stable, so the other side's next offer is not taken for glare.
        if (this.pc.signalingState === 'have-local-offer') await this.pc.setLocalDescription({ type: 'rollback' }).catch(() => {});
      }
    }
  }

  /** A relayed 'offer' request: resolves to our answer, or throws a Refusal. */
  async handleOffer(description: RTCSessionDescriptionInit, seen: number): Promise<{ description: RTCSessionDescription | null }> {
    if (this.isStale(seen)) throw new Refusal(409, 'stale offer: made before our last offer, which you answered');
    const collision = this.makingOffer || this.pc.signalingState !== 'stable';
    if (collision) this.collisions++;
    this.ignoreOffer = !this.polite && collision;
    if (this.ignoreOffer) throw new Refusal(409, 'offer collision: the impolite peer keeps its own offer');
    // Polite: setRemoteDescription rolls our own offer back implicitly.
    await this.pc.setRemoteDescription(description);
    this.appliedOffers++;
    await this.pc.setLocalDescription();
    await this.flushCandidates();
    return { description: this.pc.localDescription };
  }

  /**
   * Relayed messages are not ordered, so an offer the polite side made and
   * then rolled back (it answered ours instead) can reach us after we are
   * stable again, where it would look like a fresh offer. Each offer says
   * how many of our offers its sender had applied; fewer than it answered
   * means it was made before, and its sender has dropped it.
   */
  private isStale(seen: number): boolean {
    return typeof seen === 'number' && seen < this.answeredOffers;
  }

  async handleCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (!this.pc.remoteDescription) {
      this.pendingCandidates.push(candidate);
      return;
    }
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (error) {
      if (!this.ignoreOffer) this.events.note(`bad candidate: ${describe(error)}`);
    }
  }

  private async flushCandidates(): Promise<void> {
    const pending = this.pendingCandidates.splice(0);
    for (const candidate of pending) await this.handleCandidate(candidate);
  }

  /** Renegotiate with new ICE credentials: the way out of `failed`. */
  restart(): void {
    this.pc.restartIce();
  }

  send(text: string): boolean {
    if (this.channel.readyState !== 'open') return false;
    this.channel.send(text);
    return true;
  }

  close(): void {
    this.channel.close();
    this.pc.close();
  }
}

function code(error: unknown): number | undefined {
  // protoo-client rejects with an Error whose `code` is the remote errorCode.
  const value = (error as { code?: unknown })?.code;
  return typeof value === 'number' ? value : undefined;
}

function describe(error: unknown): string {
  const c = code(error);
  const message = error instanceof Error ? error.message : String(error);
  return c ? `${c} ${message}` : message;
}
