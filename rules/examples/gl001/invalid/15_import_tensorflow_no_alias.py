import tensorflow

optimizer = tensorflow.keras.optimizers.RMSprop()

def step(model, x, y):
    with tensorflow.GradientTape() as tape:
        loss = tensorflow.reduce_mean(model(x) - y)
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    return loss
