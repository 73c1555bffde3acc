/** The page's DOM: the peer cards, the chat log and the status line. Only rendering, no logic. */

function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

export const el = {
  joinForm: byId<HTMLFormElement>('join-form'),
  name: byId<HTMLInputElement>('name'),
  room: byId<HTMLInputElement>('room'),
  useMedia: byId<HTMLInputElement>('use-media'),
  mediaNote: byId<HTMLParagraphElement>('media-note'),
  status: byId<HTMLParagraphElement>('status'),
  roomView: byId<HTMLElement>('room-view'),
  roomTitle: byId<HTMLHeadingElement>('room-title'),
  localVideo: byId<HTMLVideoElement>('local-video'),
  noPeers: byId<HTMLParagraphElement>('no-peers'),
  peers: byId<HTMLUListElement>('peers'),
  chat: byId<HTMLOListElement>('chat'),
  chatForm: byId<HTMLFormElement>('chat-form'),
  chatInput: byId<HTMLInputElement>('chat-input'),
  leave: byId<HTMLButtonElement>('leave'),
  announcer: byId<HTMLParagraphElement>('announcer'),
};

export function setStatus(text: string): void {
  el.status.textContent = text;
}

/** Said by a screen reader when it is idle (a polite live region that shows nothing). */
export function announce(text: string): void {
  el.announcer.textContent = text;
}

/** One card per remote peer: name, link state, DataChannel messages, video. */
export class PeerCard {
  readonly root = document.createElement('li');
  private readonly name = document.createElement('span');
  private readonly state = document.createElement('span');
  private readonly notes = document.createElement('p');
  private readonly lastMessage = document.createElement('p');
  readonly video = document.createElement('video');
  readonly ping = document.createElement('button');
  readonly restart = document.createElement('button');
  private readonly watched = new WeakSet<MediaStreamTrack>();

  constructor(peerId: string) {
    this.root.className = 'peer';
    this.root.dataset.peerId = peerId;
    this.name.className = 'name';
    this.state.className = 'state';
    this.notes.className = 'notes';
    this.lastMessage.className = 'dc-message';
    this.video.autoplay = true;
    this.video.playsInline = true;
    this.video.muted = true; // autoplay without a gesture; the audio still flows (see getStats)
    this.video.hidden = true; // until a video track brings frames: no black box for a peer without a camera
    this.ping.type = this.restart.type = 'button';
    this.ping.textContent = 'Ping over DataChannel';
    this.restart.textContent = 'Restart link';
    const heading = document.createElement('p');
    heading.append(this.name, ' — link: ', this.state);
    this.root.append(heading, this.video, this.lastMessage, this.notes, this.ping, ' ', this.restart);
    this.setName(peerId);
    this.setState('new');
  }

  setName(name: string): void {
    this.name.textContent = name;
    this.video.setAttribute('aria-label', `Video from ${name}`);
    // The visible text first, then whose card: a screen reader's list of buttons tells them apart.
    this.ping.setAttribute('aria-label', `Ping over DataChannel to ${name}`);
    this.restart.setAttribute('aria-label', `Restart link to ${name}`);
  }

  get displayName(): string {
    return this.name.textContent ?? '';
  }

  setState(state: string): void {
    this.state.textContent = state;
    this.state.dataset.state = state;
  }

  /** Shows the video while one of its video tracks is live and has had frames. */
  showVideo(stream: MediaStream): void {
    if (this.video.srcObject !== stream) this.video.srcObject = stream;
    const refresh = () => {
      this.video.hidden = !stream.getVideoTracks().some((track) => track.readyState === 'live' && !track.muted);
    };
    // ontrack fires once per track, often with the same stream: listen to each track once.
    for (const track of stream.getVideoTracks()) {
      if (this.watched.has(track)) continue;
      this.watched.add(track);
      for (const event of ['unmute', 'mute', 'ended']) track.addEventListener(event, refresh);
    }
    refresh();
  }

  note(text: string): void {
    this.notes.textContent = text;
  }

  clearNote(): void {
    this.notes.textContent = '';
  }

  message(text: string): void {
    this.lastMessage.textContent = `DataChannel: ${text}`;
  }
}

export function addChatLine(from: string, text: string): void {
  const line = document.createElement('li');
  const who = document.createElement('strong');
  who.textContent = `${from}: `;
  line.append(who, text);
  el.chat.append(line);
  el.chat.scrollTop = el.chat.scrollHeight;
}

export function showRoom(room: string | undefined): void {
  el.joinForm.hidden = room !== undefined;
  el.roomView.hidden = room === undefined;
  if (room !== undefined) el.roomTitle.textContent = `Room ${room}`;
  // Focus follows the view: the form it was in is gone.
  (room === undefined ? el.name : el.roomTitle).focus();
}

export function refreshEmpty(): void {
  el.noPeers.hidden = el.peers.children.length > 0;
}
