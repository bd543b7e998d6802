class GradientTape:
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return False
    def gradient(self, target, sources):
        return [0.0 for _ in sources]

optimizer = object()
for step in range(3):
    with GradientTape() as tape:
        loss = 1.0
    grads = tape.gradient(loss, model.trainable_variables)
