// A zone's readings (every sensor in service) for a chosen range, as CSV or NDJSON.
import { useState } from 'react';
import { ReadingsDownload } from './DownloadButtons';
import { RangePicker } from './RangePicker';
import { presetWindow, type TimeWindow } from './time-window';

export function ZoneReadingsDownload({ zoneId }: { zoneId: string }) {
  const [range, setRange] = useState<TimeWindow>(() => presetWindow('24h', Date.now()));
  return (
    <section className="panel" aria-labelledby="zone-download-heading">
      <div className="panel-head">
        <h2 id="zone-download-heading">Download readings</h2>
        <RangePicker value={range} onChange={setRange} zoom={false} />
      </div>
      <p className="muted small">Every sensor of the zone in service, one after the other, each in time order.</p>
      <ReadingsDownload target={{ zoneId }} from={range.from} to={range.to} />
    </section>
  );
}
