import sharp from 'sharp';

import { buildZip } from './zips.js';

/**
 * A file made to run script in a browser that opens it, with the name and Content-Type a client would
 * claim when uploading it.
 */
export interface HostileFile {
  /** Short name of the case, also the path of the hit its script sends. */
  readonly key: string;
  readonly name: string;
  readonly claimedType: string;
  readonly content: Buffer;
  /**
   * The Content-Type under which a careless server would serve these bytes and a browser would run the
   * script. The control page serves them so, which shows that the markers detect script that runs. null
   * when the file carries no script of its own.
   */
  readonly controlType: string | null;
}

/** The marker a hostile file's script leaves in the document title and the window name. */
export const PWNED_MARKER = 'pwned';

/**
 * Script that leaves every marker the tests read: the title and name of the window, a key in the
 * origin's localStorage, and a request to the hit recorder. Each step is guarded, so a step that a policy
 * blocks does not stop the others.
 */
export function markerScript(key: string, hitBase: string): string {
  return [
    `try { document.title = '${PWNED_MARKER}:${key}'; } catch (error) {}`,
    `try { window.name = '${PWNED_MARKER}:${key}'; } catch (error) {}`,
    `try { localStorage.setItem('${PWNED_MARKER}', '${key}'); } catch (error) {}`,
    `try { new Image().src = '${hitBase}/hit/${key}'; } catch (error) {}`,
    `try { fetch('${hitBase}/hit/${key}-fetch', { mode: 'no-cors' }); } catch (error) {}`,
  ].join(' ');
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** An HTML document whose script and event handler both leave the markers. */
function hostileHtml(key: string, hitBase: string): string {
  const script = markerScript(key, hitBase);
  return `<!DOCTYPE html><html><head><title>bulletin</title></head><body><script>${script}</script><img src="data:," onerror="${script.replaceAll('"', '&quot;')}"></body></html>`;
}

/** An SVG with a script element, an onload handler and an XHTML iframe with a javascript: URL. */
function hostileSvg(key: string, hitBase: string): string {
  const script = markerScript(key, hitBase);
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80" viewBox="0 0 120 80" onload="${script.replaceAll('"', '&quot;')}">
  <script>${script}</script>
  <rect width="120" height="80" fill="#2a7"/>
  <foreignObject width="120" height="80">
    <iframe xmlns="http://www.w3.org/1999/xhtml" src="javascript:${script.replaceAll('"', '&quot;')}"></iframe>
  </foreignObject>
</svg>
`;
}

/**
 * A PDF 1.7 with one page whose catalog's OpenAction runs JavaScript: an alert, which shows that the
 * viewer ran it, then three ways to reach the hit recorder.
 */
export function pdfWithJavaScript(key: string, hitBase: string, prefix = ''): Buffer {
  const javascript = [
    `app.alert('${PWNED_MARKER}:${key}');`,
    `app.launchURL('${hitBase}/hit/${key}-launch', true);`,
    `this.getURL('${hitBase}/hit/${key}-geturl');`,
    `this.submitForm('${hitBase}/hit/${key}-submit');`,
  ].join(' ');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>',
    `<< /Type /Action /S /JavaScript /JS (${javascript.replace(/[\\()]/g, (character) => `\\${character}`)}) >>`,
  ];
  let text = `%PDF-1.7\n${prefix}`;
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(Buffer.byteLength(text));
    text += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xrefOffset = Buffer.byteLength(text);
  text += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) text += `${String(offset).padStart(10, '0')} 00000 n \n`;
  text += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  return Buffer.from(text);
}

/** A valid JPEG with the hostile HTML in a comment segment (COM) right after the start-of-image marker. */
async function jpegWithHtmlComment(html: string): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#8a2be2' } }).jpeg().toBuffer();
  const comment = Buffer.from(html);
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(comment.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, comment, jpeg.subarray(2)]);
}

/** A Word document (a zip with the OOXML parts) that also carries the hostile HTML as an entry and as its comment. */
async function docxWithHtml(html: string): Promise<Buffer> {
  const contentTypes = `<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`;
  const document = `<?xml version="1.0" encoding="UTF-8"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Bulletin</w:t></w:r></w:p></w:body></w:document>`;
  const archive = await buildZip([
    { name: '[Content_Types].xml', content: contentTypes },
    { name: 'word/document.xml', content: document },
    { name: 'index.html', content: html, compress: false },
  ]);
  // The end-of-central-directory record ends with the comment length; a comment may follow it.
  const comment = Buffer.from(html);
  archive.writeUInt16LE(comment.length, archive.length - 2);
  return Buffer.concat([archive, comment]);
}

/** Every hostile file of the suite, made for a hit recorder at `hitBase`. */
export async function hostileFiles(hitBase: string): Promise<HostileFile[]> {
  const html = (key: string) => hostileHtml(key, hitBase);
  const gif = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#2e8b57' } }).gif().toBuffer();
  const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#1e90ff' } }).png().toBuffer();
  return [
    { key: 'svg', name: 'vitrail.svg', claimedType: 'image/svg+xml', content: Buffer.from(hostileSvg('svg', hitBase)), controlType: 'image/svg+xml' },
    {
      key: 'png-signature-html',
      name: 'photo.png',
      claimedType: 'image/png',
      content: Buffer.concat([PNG_SIGNATURE, Buffer.from(html('png-signature-html'))]),
      controlType: 'text/html',
    },
    { key: 'html-as-jpeg', name: 'photo.jpg', claimedType: 'image/jpeg', content: Buffer.from(html('html-as-jpeg')), controlType: 'text/html' },
    { key: 'html-as-pdf', name: 'bulletin.pdf', claimedType: 'application/pdf', content: Buffer.from(html('html-as-pdf')), controlType: 'text/html' },
    { key: 'html-named-html', name: 'page.html', claimedType: 'image/png', content: Buffer.from(html('html-named-html')), controlType: 'text/html' },
    {
      key: 'xml-stylesheet',
      name: 'flux.xml',
      claimedType: 'application/xml',
      content: Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet type="text/css" href="data:text/css,feed%7Bdisplay:block%7D"?>\n` +
          `<feed xmlns:h="http://www.w3.org/1999/xhtml"><h:script>${markerScript('xml-stylesheet', hitBase)}</h:script></feed>\n`,
      ),
      controlType: 'application/xml',
    },
    {
      key: 'xhtml',
      name: 'page.xhtml',
      claimedType: 'application/xhtml+xml',
      content: Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body><script>${markerScript('xhtml', hitBase)}</script></body></html>\n`,
      ),
      controlType: 'application/xhtml+xml',
    },
    {
      key: 'pdf-javascript',
      name: 'bulletin.pdf',
      claimedType: 'application/pdf',
      content: pdfWithJavaScript('pdf-javascript', hitBase),
      controlType: 'application/pdf',
    },
    {
      key: 'pdf-html',
      name: 'bulletin.html',
      claimedType: 'text/html',
      content: pdfWithJavaScript('pdf-html', hitBase, `%${html('pdf-html')}\n`),
      controlType: 'text/html',
    },
    { key: 'gif-html', name: 'anim.gif', claimedType: 'image/gif', content: Buffer.concat([gif, Buffer.from(html('gif-html'))]), controlType: 'text/html' },
    { key: 'jpeg-html', name: 'photo.jpg', claimedType: 'image/jpeg', content: await jpegWithHtmlComment(html('jpeg-html')), controlType: 'text/html' },
    { key: 'docx-html', name: 'compte-rendu.docx', claimedType: 'application/octet-stream', content: await docxWithHtml(html('docx-html')), controlType: 'text/html' },
    {
      key: 'html-zip',
      name: 'archive.zip',
      claimedType: 'application/zip',
      content: Buffer.concat([Buffer.from(html('html-zip')), await buildZip([{ name: 'a.txt', content: 'a' }])]),
      controlType: 'text/html',
    },
    { key: 'png-named-html', name: 'page.html', claimedType: 'text/html', content: png, controlType: null },
  ];
}
