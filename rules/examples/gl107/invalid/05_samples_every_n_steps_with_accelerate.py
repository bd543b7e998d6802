import torch
from accelerate import Accelerator


def train(model, loader, sample_every):
    accelerator = Accelerator()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    model.train()
    for step, batch in enumerate(loader):
        loss = model(batch).loss
        accelerator.backward(loss)
        optimizer.step()
        optimizer.zero_grad()
        if step % sample_every == 0:
            model.eval()  # GL107
            with torch.no_grad():
                images = model.generate(batch[:4])
            accelerator.log({"samples": images}, step=step)
