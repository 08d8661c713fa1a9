// Trust 0–100 as a number and a bar.
export function trustBand(score: number | null | undefined): 'good' | 'fair' | 'poor' | 'none' {
  if (score == null) return 'none';
  if (score >= 80) return 'good';
  if (score >= 50) return 'fair';
  return 'poor';
}

export function TrustBar({ score, label = 'Trust' }: { score: number | null | undefined; label?: string }) {
  const value = score == null ? null : Math.round(score);
  return (
    <span className={`trust trust-${trustBand(score)}`}>
      <span className="trust-value">{value ?? '–'}</span>
      <span
        className="trust-track"
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={value ?? undefined}
      >
        <span className="trust-fill" style={{ width: `${value ?? 0}%` }} />
      </span>
    </span>
  );
}
