import type { CampaignManifest } from '../../protocol/index.ts';
import { type Content, minimumDurationMs, type Playlist } from './model.ts';

/** Items without a duration in the manifest play this long, in milliseconds. */
const defaultDurationMs = 10_000;

type ManifestCampaign = CampaignManifest['campaigns'][number];
type ManifestItem = ManifestCampaign['items'][number];

/**
 * A verified manifest as playlists (one per campaign) and their content. Images and videos
 * only play once their asset is in the cache with the manifest's sha256; until then the
 * scheduler passes them by and the rest of the campaign plays.
 */
export function manifestPlaylists(manifest: CampaignManifest): {
  playlists: Playlist[];
  contents: Content[];
} {
  const contents = manifest.campaigns.flatMap((campaign) => campaign.items.map(contentOf));
  const playlists = manifest.campaigns
    .filter((campaign) => campaign.items.length > 0)
    .map((campaign) => playlistOf(campaign));
  return { playlists, contents };
}

function contentOf(item: ManifestItem): Content {
  const base = { id: item.id, name: item.name ?? item.id, type: item.type };
  if (item.type === 'web') return { ...base, url: item.url ?? 'about:blank' };
  if (item.type === 'template') {
    return {
      ...base,
      template: item.template ?? '',
      ...(item.fields ? { fields: item.fields } : {}),
    };
  }
  return { ...base, asset: item.sha256, size: item.size };
}

function playlistOf(campaign: ManifestCampaign): Playlist {
  return {
    id: `campaign:${campaign.id}`,
    name: campaign.name,
    priority: campaign.priority,
    campaign: campaign.id,
    items: campaign.items.map((item) => ({
      content: item.id,
      // The manifest's schema allows any positive duration; the floor is the player's.
      durationMs: Math.max(minimumDurationMs, item.durationMs ?? defaultDurationMs),
      ...(item.repeat ? { repeat: item.repeat } : {}),
    })),
    ...(campaign.schedule ? { schedule: campaign.schedule } : {}),
    ...(campaign.target ? { target: campaign.target } : {}),
    ...(campaign.rule ? { rule: campaign.rule } : {}),
    ...(campaign.shareOfVoice ? { shareOfVoice: campaign.shareOfVoice } : {}),
  };
}
