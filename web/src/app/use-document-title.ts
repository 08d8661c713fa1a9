// Each page names the tab after what it shows ("Cold Store · Sensor Trust").
import { useEffect } from 'react';

export const APP_NAME = 'Sensor Trust';

export function useDocumentTitle(title: string | null) {
  useEffect(() => {
    document.title = title ? `${title} · ${APP_NAME}` : APP_NAME;
  }, [title]);
}
