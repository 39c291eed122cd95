allow nosuchcall
