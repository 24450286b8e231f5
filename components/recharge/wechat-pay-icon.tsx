/** Two speech bubbles on a green disc: reads as WeChat Pay without shipping its trademark artwork. */
export function WechatPayIcon({ size = 28 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 28 28" aria-hidden="true" focusable="false">
      <circle cx="14" cy="14" r="14" fill="#07c160" />
      <ellipse cx="11.5" cy="12" rx="6.5" ry="5.2" fill="#fff" />
      <path d="M7.6 15.6 6.8 18.4l3-1.6z" fill="#fff" />
      <ellipse cx="17.6" cy="16.2" rx="5.2" ry="4.3" fill="#fff" stroke="#07c160" strokeWidth="1.2" />
      <path d="m20.6 19.2.7 2.3-2.6-1.3z" fill="#fff" />
      <circle cx="9.3" cy="11.2" r="0.9" fill="#07c160" />
      <circle cx="13.7" cy="11.2" r="0.9" fill="#07c160" />
      <circle cx="16" cy="15.6" r="0.75" fill="#07c160" />
      <circle cx="19.3" cy="15.6" r="0.75" fill="#07c160" />
    </svg>
  );
}
