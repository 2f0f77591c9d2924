// Renders a component into the DOM for a unit test (a test file that uses it runs in happy-dom:
// `// @vitest-environment happy-dom` on its first line), in English, with React's act() around
// everything that changes state.
import { act, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nProvider, LANG_STORAGE_KEY } from '../i18n';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export interface Rendered {
  container: HTMLElement;
  /** The button whose accessible name (aria-label, else its text) is `name`; throws if none. */
  button: (name: string) => HTMLButtonElement;
  /** The same, or null. */
  queryButton: (name: string) => HTMLButtonElement | null;
  click: (element: HTMLElement) => Promise<void>;
  unmount: () => void;
}

export async function render(ui: ReactNode): Promise<Rendered> {
  localStorage.setItem(LANG_STORAGE_KEY, 'en');
  const container = document.createElement('div');
  document.body.append(container);
  const root = createRoot(container);
  await act(async () => root.render(<I18nProvider>{ui}</I18nProvider>));
  const queryButton = (name: string) =>
    [...container.querySelectorAll('button')].find((b) => (b.getAttribute('aria-label') ?? b.textContent?.trim()) === name) ?? null;
  return {
    container,
    queryButton,
    button: (name) => {
      const found = queryButton(name);
      if (!found) throw new Error(`no button named ${JSON.stringify(name)}`);
      return found;
    },
    click: (element) => act(async () => element.click()),
    unmount: () => {
      act(() => root.unmount());
      container.remove();
    },
  };
}
