import deepspeed


def train(model, loader, config):
    model_engine, optimizer, _, _ = deepspeed.initialize(model=model, config=config)
    for x, y in loader:
        loss = model_engine(x, y)
        model_engine.backward(loss)
        model_engine.step()
