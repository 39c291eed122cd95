default kill
allow read
