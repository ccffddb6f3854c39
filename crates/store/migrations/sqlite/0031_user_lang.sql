-- The user's chosen interface language (issue 15, item 8): 'nb', 'nn' or 'en'; NULL until they
-- choose one with the language switch. Mails to the user are written in it (bokmål when NULL),
-- and it becomes the session's language at sign-in when the browser has no language cookie.
ALTER TABLE users ADD COLUMN lang TEXT CHECK (lang IN ('nb', 'nn', 'en'));
