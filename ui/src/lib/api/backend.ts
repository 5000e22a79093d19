// The UI's one door to Rust. Components and stores call a `Backend`, never `invoke` directly, so
// tests can hand them a fake one. Command results are unwrapped here: failures become `ApiError`s
// carrying the typed `{ code, message }` from Rust.
import { Channel } from "@tauri-apps/api/core";
import {
  commands,
  events,
  type AppSettings,
  type Change,
  type Chapter,
  type ChapterStep,
  type Chart,
  type CommandError,
  type DirectorySearch,
  type DirectoryShow,
  type DiskUsage,
  type DrawnMark,
  type Download,
  type DownloadProgress,
  type Episode,
  type EpisodeId,
  type EpisodeList,
  type EpisodeQuery,
  type EpisodeTranscript,
  type Genre,
  type ImportSummary,
  type NowChapters,
  type NextcloudGrant,
  type NextcloudLoginFlow,
  type Placement,
  type PlayerState,
  type RefreshOutcome,
  type RefreshProgress,
  type SameGuid,
  type SearchResults,
  type Show,
  type ShowId,
  type SkipDirection,
  type SleepRequest,
  type SyncAccount,
  type SyncReport,
  type SyncStatus,
} from "../ipc/bindings";

export class ApiError extends Error {
  readonly detail: CommandError;
  constructor(detail: CommandError) {
    super(detail.message);
    this.name = "ApiError";
    this.detail = detail;
  }
}

type Outcome<T> = { status: "ok"; data: T } | { status: "error"; error: CommandError };

function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.status === "ok") return outcome.data;
  throw new ApiError(outcome.error);
}

export type Unlisten = () => void;

export interface Backend {
  /** Fails with `claims_followed_show` for a feed giving a followed show's guid, unless told to follow it separately. */
  subscribe(url: string, sameGuid?: SameGuid): Promise<Show>;
  listShows(): Promise<Show[]>;
  getShow(showId: ShowId): Promise<Show>;
  getEpisodes(showId: ShowId, query: EpisodeQuery): Promise<EpisodeList>;
  getEpisode(episodeId: EpisodeId): Promise<Episode>;
  /** The episodes with these ids, in that order (those that still exist). */
  getEpisodesById(episodeIds: EpisodeId[]): Promise<Episode[]>;
  getChapters(episodeId: EpisodeId): Promise<Chapter[]>;
  /** The episode's transcript (fetched and kept the first time), or null when it has none. */
  getTranscript(episodeId: EpisodeId): Promise<EpisodeTranscript | null>;
  playEpisode(episodeId: EpisodeId): Promise<void>;
  playEpisodeAt(episodeId: EpisodeId, positionSecs: number): Promise<void>;
  openLink(url: string): Promise<void>;
  setEpisodePlayed(episodeId: EpisodeId, played: boolean): Promise<void>;
  togglePlayback(): Promise<void>;
  pausePlayback(): Promise<void>;
  seekPlayback(positionSecs: number): Promise<void>;
  getPlayerState(): Promise<PlayerState>;
  getQueue(): Promise<Episode[]>;
  enqueueEpisode(episodeId: EpisodeId, placement: Placement): Promise<void>;
  dequeueEpisode(episodeId: EpisodeId): Promise<void>;
  moveQueuedEpisode(episodeId: EpisodeId, index: number): Promise<void>;
  clearQueue(): Promise<void>;
  onQueueChanged(listener: (queue: Episode[]) => void): Promise<Unlisten>;
  refreshShow(showId: ShowId): Promise<RefreshOutcome>;
  refreshAll(): Promise<void>;
  onRefreshProgressed(listener: (progress: RefreshProgress) => void): Promise<Unlisten>;
  setVolume(volume: number): Promise<void>;
  setMuted(muted: boolean): Promise<void>;
  skipPlayback(direction: SkipDirection): Promise<void>;
  setPlaybackRate(rate: number): Promise<void>;
  setSleepTimer(request: SleepRequest): Promise<void>;
  onPlaybackChanged(listener: (state: PlayerState) => void): Promise<Unlisten>;
  /** Every change to the library, as the core announced it. */
  onLibraryChanged(listener: (change: Change) => void): Promise<Unlisten>;
  /** Changes were missed: reload what is shown. */
  onChangesMissed(listener: () => void): Promise<Unlisten>;
  unsubscribe(showId: ShowId): Promise<void>;
  searchLibrary(text: string): Promise<SearchResults>;
  importOpml(contents: string): Promise<ImportSummary>;
  /** Resolves to the saved file's path, or null when the listener cancelled. */
  exportOpml(): Promise<string | null>;
  getSettings(): Promise<AppSettings>;
  /** Stores the settings; resolves to what was stored (each value kept to its range). */
  updateSettings(settings: AppSettings): Promise<AppSettings>;
  /** Asks for the episode's file; the queue fetches it when there is room. */
  downloadEpisode(episodeId: EpisodeId): Promise<Download>;
  pauseDownload(episodeId: EpisodeId): Promise<Download>;
  /** Continues a paused download, or tries a failed one again. */
  resumeDownload(episodeId: EpisodeId): Promise<Download>;
  /** Stops an unfinished download and forgets it; deletes a finished one. */
  cancelDownload(episodeId: EpisodeId): Promise<void>;
  /** Deletes the file, finished or partial. */
  deleteDownload(episodeId: EpisodeId): Promise<void>;
  listDownloads(): Promise<Download[]>;
  getDiskUsage(): Promise<DiskUsage>;
  /** How many of the show's newest unplayed episodes are kept downloaded (0: none). */
  getAutoDownload(showId: ShowId): Promise<number>;
  setAutoDownload(showId: ShowId, newest: number): Promise<void>;
  /** The system's folder picker; resolves to null when the listener cancelled. */
  chooseDownloadFolder(): Promise<string | null>;
  onDownloadProgressed(listener: (progress: DownloadProgress) => void): Promise<Unlisten>;
  /** Podcast links opened with Earshot from outside, each given once, to confirm. */
  takeSubscribeRequests(): Promise<string[]>;
  /** Tells Rust a moment of start-up is on screen (logged with the time since the process began). */
  uiDrawn(mark: DrawnMark): Promise<void>;
  onSubscribeRequested(listener: () => void): Promise<Unlisten>;
  /**
   * Searches every enabled directory; `onUpdate` gets the merged results each time one answers
   * (the last with `done`). Resolves when the search is done or superseded by a newer one.
   */
  searchDirectories(query: string, onUpdate: (update: DirectorySearch) => void): Promise<void>;
  cancelDirectorySearch(): Promise<void>;
  /** The episode in the player, its chapters and the one playing. */
  getNowChapters(): Promise<NowChapters>;
  onChaptersChanged(listener: (chapters: NowChapters) => void): Promise<Unlisten>;
  skipChapter(step: ChapterStep): Promise<void>;
  syncStatus(): Promise<SyncStatus>;
  onSyncChanged(listener: (status: SyncStatus) => void): Promise<Unlisten>;
  defaultDeviceName(): Promise<string>;
  /** Signs in (the server checks the password); a sync follows at once. */
  syncLogin(account: SyncAccount, password: string): Promise<SyncStatus>;
  /** A server's refusal or absence is in the report's `error`, not thrown. */
  syncNow(): Promise<SyncReport>;
  syncLogout(): Promise<void>;
  /** Opens Nextcloud's sign-in page in the browser; poll until it gives an app password. */
  nextcloudLoginStart(server: string): Promise<NextcloudLoginFlow>;
  nextcloudLoginPoll(flow: NextcloudLoginFlow): Promise<NextcloudGrant | null>;
  listGenres(): Promise<Genre[]>;
  /** The chart kept on disk (however old), or null: drawn before `getChart` answers. */
  cachedChart(genre: number | null): Promise<Chart | null>;
  getChart(genre: number | null): Promise<Chart>;
  /** A listing opened to read and play without following it. */
  previewListing(listing: DirectoryShow): Promise<Show>;
  previewShow(url: string): Promise<Show>;
}

export const tauriBackend: Backend = {
  subscribe: async (url, sameGuid) => unwrap(await commands.subscribe(url, sameGuid ?? null)),
  listShows: async () => unwrap(await commands.listShows()),
  getShow: async (showId) => unwrap(await commands.getShow(showId)),
  getEpisodes: async (showId, query) => unwrap(await commands.getEpisodes(showId, query)),
  getEpisode: async (episodeId) => unwrap(await commands.getEpisode(episodeId)),
  getEpisodesById: async (episodeIds) => unwrap(await commands.getEpisodesById(episodeIds)),
  getChapters: async (episodeId) => unwrap(await commands.getChapters(episodeId)),
  getTranscript: async (episodeId) => unwrap(await commands.getTranscript(episodeId)),
  playEpisode: async (episodeId) => {
    unwrap(await commands.playEpisode(episodeId));
  },
  playEpisodeAt: async (episodeId, positionSecs) => {
    unwrap(await commands.playEpisodeAt(episodeId, positionSecs));
  },
  openLink: async (url) => {
    unwrap(await commands.openLink(url));
  },
  setEpisodePlayed: async (episodeId, played) => {
    unwrap(await commands.setEpisodePlayed(episodeId, played));
  },
  togglePlayback: async () => {
    unwrap(await commands.togglePlayback());
  },
  pausePlayback: async () => {
    unwrap(await commands.pausePlayback());
  },
  seekPlayback: async (positionSecs) => {
    unwrap(await commands.seekPlayback(positionSecs));
  },
  getPlayerState: async () => unwrap(await commands.getPlayerState()),
  getQueue: async () => unwrap(await commands.getQueue()),
  enqueueEpisode: async (episodeId, placement) => {
    unwrap(await commands.enqueueEpisode(episodeId, placement));
  },
  dequeueEpisode: async (episodeId) => {
    unwrap(await commands.dequeueEpisode(episodeId));
  },
  moveQueuedEpisode: async (episodeId, index) => {
    unwrap(await commands.moveQueuedEpisode(episodeId, index));
  },
  clearQueue: async () => {
    unwrap(await commands.clearQueue());
  },
  onQueueChanged: (listener) => events.queueChanged.listen((event) => listener(event.payload)),
  refreshShow: async (showId) => unwrap(await commands.refreshShow(showId)),
  refreshAll: async () => {
    unwrap(await commands.refreshAll());
  },
  onRefreshProgressed: (listener) => events.refreshProgressed.listen((event) => listener(event.payload)),
  setVolume: async (volume) => {
    unwrap(await commands.setVolume(volume));
  },
  setMuted: async (muted) => {
    unwrap(await commands.setMuted(muted));
  },
  skipPlayback: async (direction) => {
    unwrap(await commands.skipPlayback(direction));
  },
  setPlaybackRate: async (rate) => {
    unwrap(await commands.setPlaybackRate(rate));
  },
  setSleepTimer: async (request) => {
    unwrap(await commands.setSleepTimer(request));
  },
  onPlaybackChanged: (listener) => events.playbackChanged.listen((event) => listener(event.payload)),
  onLibraryChanged: (listener) => events.libraryChanged.listen((event) => listener(event.payload)),
  onChangesMissed: (listener) => events.changesMissed.listen(() => listener()),
  unsubscribe: async (showId) => {
    unwrap(await commands.unsubscribe(showId));
  },
  searchLibrary: async (text) => unwrap(await commands.searchLibrary(text)),
  importOpml: async (contents) => unwrap(await commands.importOpml(contents)),
  exportOpml: async () => unwrap(await commands.exportOpml()),
  getSettings: async () => unwrap(await commands.getSettings()),
  updateSettings: async (settings) => unwrap(await commands.updateSettings(settings)),
  downloadEpisode: async (episodeId) => unwrap(await commands.downloadEpisode(episodeId)),
  pauseDownload: async (episodeId) => unwrap(await commands.pauseDownload(episodeId)),
  resumeDownload: async (episodeId) => unwrap(await commands.resumeDownload(episodeId)),
  cancelDownload: async (episodeId) => {
    unwrap(await commands.cancelDownload(episodeId));
  },
  deleteDownload: async (episodeId) => {
    unwrap(await commands.deleteDownload(episodeId));
  },
  listDownloads: async () => unwrap(await commands.listDownloads()),
  getDiskUsage: async () => unwrap(await commands.getDiskUsage()),
  getAutoDownload: async (showId) => unwrap(await commands.getAutoDownload(showId)),
  setAutoDownload: async (showId, newest) => {
    unwrap(await commands.setAutoDownload(showId, newest));
  },
  chooseDownloadFolder: async () => unwrap(await commands.chooseDownloadFolder()),
  onDownloadProgressed: (listener) => events.downloadProgressed.listen((event) => listener(event.payload)),
  takeSubscribeRequests: () => commands.takeSubscribeRequests(),
  uiDrawn: (mark) => commands.uiDrawn(mark),
  onSubscribeRequested: (listener) => events.subscribeRequested.listen(() => listener()),
  searchDirectories: async (query, onUpdate) => {
    const channel = new Channel<DirectorySearch>();
    channel.onmessage = onUpdate;
    unwrap(await commands.searchDirectories(query, channel));
  },
  cancelDirectorySearch: () => commands.cancelDirectorySearch(),
  getNowChapters: () => commands.getNowChapters(),
  onChaptersChanged: (listener) => events.chaptersChanged.listen((event) => listener(event.payload)),
  skipChapter: async (step) => {
    unwrap(await commands.skipChapter(step));
  },
  syncStatus: async () => unwrap(await commands.syncStatus()),
  onSyncChanged: (listener) => events.syncChanged.listen((event) => listener(event.payload)),
  defaultDeviceName: () => commands.defaultDeviceName(),
  syncLogin: async (account, password) => unwrap(await commands.syncLogin(account, password)),
  syncNow: async () => unwrap(await commands.syncNow()),
  syncLogout: async () => {
    unwrap(await commands.syncLogout());
  },
  nextcloudLoginStart: async (server) => unwrap(await commands.nextcloudLoginStart(server)),
  nextcloudLoginPoll: async (flow) => unwrap(await commands.nextcloudLoginPoll(flow)),
  listGenres: () => commands.listGenres(),
  cachedChart: async (genre) => unwrap(await commands.cachedChart(genre)),
  getChart: async (genre) => unwrap(await commands.getChart(genre)),
  previewListing: async (listing) => unwrap(await commands.previewListing(listing)),
  previewShow: async (url) => unwrap(await commands.previewShow(url)),
};

/**
 * A directory listing's artwork through the `artwork:` protocol: Rust fetches it once and keeps
 * a small copy, so the web view never loads a remote image.
 */
export function listedArtworkUrl(url: string, pixels: number): string {
  return `${artworkOrigin()}/listed?url=${encodeURIComponent(url)}&size=${Math.ceil(pixels)}`;
}

/** The message to show for anything a backend call threw. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * The cached artwork of a show through the `artwork:` protocol; with `pixels`, a copy scaled in
 * Rust to at least that many pixels on its longest side (thumbnails, not the 3000-pixel original).
 */
export function artworkUrl(showId: ShowId, pixels?: number): string {
  const base = `${artworkOrigin()}/show/${showId}`;
  return pixels ? `${base}?size=${Math.ceil(pixels)}` : base;
}

/** Where the `artwork:` protocol answers: WebView2 on Windows reaches custom schemes over http. */
function artworkOrigin(): string {
  const windows = typeof navigator !== "undefined" && navigator.userAgent.includes("Windows");
  return windows ? "http://artwork.localhost" : "artwork://localhost";
}
