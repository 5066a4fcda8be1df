import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * true while a drag that started in this page, such as a thumbnail or a link, is under way. Such a drag
 * never brings files to upload, whatever types the browser lists for it.
 */
let dragFromPage = false;

/** Returns true for a drag that brings files from outside the page, such as from the file manager. */
export function carriesFiles(event: DragEvent): boolean {
  return !dragFromPage && (event.dataTransfer?.types.includes('Files') ?? false);
}

/**
 * Keeps a file dropped where nothing accepts it from replacing the app in the tab, which is what a browser
 * does with a drop that the page does not cancel. Listens on window, so a drop zone or a screen-wide drop
 * target (which listen on an element or on document) handle the event first. Where none did, the cursor
 * shows that the drop is not possible.
 */
export function installDropGuard(): void {
  addEventListener('dragstart', () => {
    dragFromPage = true;
  });
  addEventListener('dragend', () => {
    dragFromPage = false;
  });
  addEventListener('dragover', (event) => {
    if (!carriesFiles(event) || event.defaultPrevented) return;
    event.preventDefault();
    if (event.dataTransfer !== null) event.dataTransfer.dropEffect = 'none';
  });
  addEventListener('drop', (event) => {
    if (carriesFiles(event)) event.preventDefault();
  });
}

/**
 * Accepts files dropped anywhere on the page while the calling component is mounted, and returns true
 * while files are dragged over it, for the component to show where they will go.
 */
export function usePageFileDrop(onFiles: (files: FileList) => void): boolean {
  const [dragging, setDragging] = useState(false);
  const latestOnFiles = useRef(onFiles);
  latestOnFiles.current = onFiles;

  useEffect(() => {
    // Moving from one element to another inside the page fires dragenter on one and dragleave on the
    // other, so the difference of the two counts falls to 0 only when the drag leaves the page.
    let depth = 0;
    const enter = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth += 1;
      setDragging(true);
    };
    const leave = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const over = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer !== null) event.dataTransfer.dropEffect = 'copy';
    };
    const drop = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth = 0;
      setDragging(false);
      if (event.dataTransfer !== null && event.dataTransfer.files.length > 0) latestOnFiles.current(event.dataTransfer.files);
    };

    document.addEventListener('dragenter', enter);
    document.addEventListener('dragleave', leave);
    document.addEventListener('dragover', over);
    document.addEventListener('drop', drop);
    return () => {
      document.removeEventListener('dragenter', enter);
      document.removeEventListener('dragleave', leave);
      document.removeEventListener('dragover', over);
      document.removeEventListener('drop', drop);
    };
  }, []);

  return dragging;
}
