// The icons the catalogue's first view never shows, loaded when one is first drawn (appIcons.js).
export const PATHS = {
  plus: 'M12 5v14 M5 12h14',
  minus: 'M5 12h14',
  trash: 'M4 7h16 M10 11v6 M14 11v6 M6 7l1 12.2a1 1 0 0 0 1 .8h8a1 1 0 0 0 1-.8L18 7 M9 7V4.5a.5.5 0 0 1 .5-.5h5a.5.5 0 0 1 .5.5V7',
  chevronDown: 'M6 9l6 6 6-6',
  users: 'M9 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7Z M2.5 20c1.2-3.2 3.7-4.5 6.5-4.5s5.3 1.3 6.5 4.5 M16 4.3a3.5 3.5 0 0 1 0 6.4 M18 15.8c1.6.6 2.8 1.9 3.5 4.2',
  tag: 'M3 12V4a1 1 0 0 1 1-1h8l9 9-9 9-9-9Z M8 8h.01',
  folder: 'M3 6.5A1.5 1.5 0 0 1 4.5 5H9l2 2h8.5A1.5 1.5 0 0 1 21 8.5v9a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 17.5v-11Z',
  store: 'M4 10v10h16V10 M3 4h18l-1 6H4L3 4Z M9 20v-6h6v6',
  sortUp: 'M12 19V5 M6 11l6-6 6 6',
  sortDown: 'M12 5v14 M6 13l6 6 6-6',
  sort: 'M8 9l4-4 4 4 M8 15l4 4 4-4',
  mail: 'M3 6h18v12H3z M3 7l9 6 9-6',
  upload: 'M12 15V4 M7.5 8.5 12 4l4.5 4.5 M4 15v3.5A1.5 1.5 0 0 0 5.5 20h13a1.5 1.5 0 0 0 1.5-1.5V15',
}
