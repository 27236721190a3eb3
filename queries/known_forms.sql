-- Contents already read: never read again.
SELECT sha256 FROM forms;
